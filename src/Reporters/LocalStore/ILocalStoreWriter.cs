namespace Metrics.Reporters;

/// <summary>What <see cref="LocalStoreBackend"/> needs of a store: a place to write batches. Tests wrap it to inject faults.</summary>
internal interface ILocalStoreWriter
{
    /// <summary>The full path of the store file, for messages.</summary>
    string Path { get; }

    /// <summary>Writes points (each setting its value, or adding to it when <c>Increment</c>); one status per point, in order.</summary>
    IReadOnlyList<WriteStatus> WriteBatch(IEnumerable<(SeriesPoint Point, bool Increment)> points);
}

/// <summary>The <see cref="ILocalStoreWriter"/> over a real <see cref="LocalStore"/>.</summary>
internal sealed class LocalStoreWriter(LocalStore store) : ILocalStoreWriter
{
    public string Path => store.Path;

    public IReadOnlyList<WriteStatus> WriteBatch(IEnumerable<(SeriesPoint Point, bool Increment)> points) => store.WriteBatch(points);
}
