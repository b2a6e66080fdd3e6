namespace Metrics.Reporters;

/// <summary>One point to write with <see cref="LocalStore.WriteMany"/>: the series (name and tags), a time and a value.</summary>
/// <param name="Name">The metric name. Must not be empty.</param>
/// <param name="Tags">The series' tags (null is taken as no tags).</param>
/// <param name="Timestamp">When the value was observed; stored with millisecond precision.</param>
/// <param name="Value">The value. Must be finite.</param>
public readonly record struct SeriesPoint(string Name, Tags Tags, DateTimeOffset Timestamp, double Value)
{
    /// <summary>
    /// The series key. Null (the default) means <c>MetricName.Encode(Name, Tags)</c>. A key that already belongs
    /// to a series with another name or tags is rejected.
    /// </summary>
    public string? Key { get; init; }
}

/// <summary>
/// The result of one point of <see cref="LocalStore.WriteMany"/>, like one entry of an HTTP 207 multistatus:
/// <see cref="Code"/> 200 when stored, 422 when rejected, with the reasons in <see cref="Messages"/>.
/// </summary>
public sealed class WriteStatus
{
    private static readonly WriteStatus OkStatus = new(200, Array.Empty<string>());

    private WriteStatus(int code, IReadOnlyList<string> messages)
    {
        Code = code;
        Messages = messages;
    }

    /// <summary>200 (stored) or 422 (rejected).</summary>
    public int Code { get; }

    /// <summary>Why the point was rejected; empty when it was stored.</summary>
    public IReadOnlyList<string> Messages { get; }

    /// <summary>True when the point was stored.</summary>
    public bool IsSuccess => Code == 200;

    /// <summary>The code and messages, for diagnostics.</summary>
    public override string ToString() => Messages.Count == 0 ? $"{Code}" : $"{Code}: {string.Join("; ", Messages)}";

    internal static WriteStatus Ok => OkStatus;

    internal static WriteStatus Rejected(IReadOnlyList<string> messages) => new(422, messages);
}
