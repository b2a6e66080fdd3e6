namespace Metrics.Registry;

/// <summary>The key of one entry of the series table: a metric name and its tags.</summary>
internal readonly record struct SeriesKey(string Name, Tags Tags);

/// <summary>A key built from tags passed on each call, looked up without building a <see cref="Tags"/>.</summary>
internal readonly ref struct SpanKey(string name, ReadOnlySpan<(string Key, string Value)> tags)
{
    public string Name { get; } = name;

    public ReadOnlySpan<(string Key, string Value)> Tags { get; } = tags;
}

/// <summary>
/// Compares series keys by name and tag set; the alternate comparison lets a lookup with <see cref="SpanKey"/>
/// find an existing series with no allocation (the tag hash is order-independent, so the span needs no sort).
/// </summary>
internal sealed class SeriesKeyComparer : IEqualityComparer<SeriesKey>, IAlternateEqualityComparer<SpanKey, SeriesKey>
{
    public static SeriesKeyComparer Instance { get; } = new();

    public bool Equals(SeriesKey x, SeriesKey y) =>
        string.Equals(x.Name, y.Name, StringComparison.Ordinal) && x.Tags.Equals(y.Tags);

    public int GetHashCode(SeriesKey obj) => Hash(obj.Name, obj.Tags.GetHashCode());

    public bool Equals(SpanKey alternate, SeriesKey other) =>
        string.Equals(alternate.Name, other.Name, StringComparison.Ordinal) && other.Tags.SetEquals(alternate.Tags);

    public int GetHashCode(SpanKey alternate) => Hash(alternate.Name, Metrics.Tags.HashOf(alternate.Tags));

    public SeriesKey Create(SpanKey alternate) => new(alternate.Name, new Tags(alternate.Tags.ToArray()));

    private static int Hash(string name, int tagsHash) => (StringComparer.Ordinal.GetHashCode(name) * 31) + tagsHash;
}
