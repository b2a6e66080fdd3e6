namespace Metrics.Reporters;

/// <summary>
/// The answer of <see cref="ApptuitClient.QueryAsync"/>: one output per output of the query (a query such as
/// <c>cpu=fetch('node.cpu'); load=fetch('node.load1'); output(cpu, load)</c> has two), each with its series.
/// </summary>
public sealed class ApptuitQueryResult
{
    internal ApptuitQueryResult(DateTimeOffset start, DateTimeOffset? end, IReadOnlyList<ApptuitQueryOutput> outputs)
    {
        Start = start;
        End = end;
        Outputs = outputs;
    }

    /// <summary>The start of the queried range.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>The end of the queried range; null for "until now".</summary>
    public DateTimeOffset? End { get; }

    /// <summary>The outputs, in the order the server returned them.</summary>
    public IReadOnlyList<ApptuitQueryOutput> Outputs { get; }

    /// <summary>The output at <paramref name="index"/>.</summary>
    public ApptuitQueryOutput this[int index] => Outputs[index];

    /// <summary>The output named <paramref name="id"/>.</summary>
    /// <exception cref="KeyNotFoundException">No output has that id; the message lists the ids there are.</exception>
    public ApptuitQueryOutput this[string id] =>
        Outputs.FirstOrDefault(o => string.Equals(o.Id, id, StringComparison.Ordinal))
        ?? throw new KeyNotFoundException($"The query result has no output '{id}'; its outputs are: {string.Join(", ", Outputs.Select(o => o.Id))}.");
}

/// <summary>One output of a query: its id and series.</summary>
public sealed class ApptuitQueryOutput
{
    internal ApptuitQueryOutput(string id, IReadOnlyList<TimeSeries> series)
    {
        Id = id;
        Series = series;
    }

    /// <summary>The output's id (the name used in the query, or the metric name).</summary>
    public string Id { get; }

    /// <summary>The series of this output, with their points.</summary>
    public IReadOnlyList<TimeSeries> Series { get; }
}
