namespace Metrics.Reporters;

/// <summary>
/// One series of a <see cref="LocalStore"/>: a unique key, the metric name, its tags and free-form attributes
/// (string to string, for example a unit or an owner). Immutable.
/// </summary>
public sealed class Series
{
    internal Series(string key, string name, Tags tags, IReadOnlyDictionary<string, string> attributes)
    {
        Key = key;
        Name = name;
        Tags = tags;
        Attributes = attributes;
    }

    /// <summary>The unique key. By default the encoded name, <c>MetricName.Encode(Name, Tags)</c>.</summary>
    public string Key { get; }

    /// <summary>The metric name.</summary>
    public string Name { get; }

    /// <summary>The tags.</summary>
    public Tags Tags { get; }

    /// <summary>The attributes, sorted by key (empty when none were set).</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; }

    /// <summary>The key, for diagnostics.</summary>
    public override string ToString() => Key;
}
