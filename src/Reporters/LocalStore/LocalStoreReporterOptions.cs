namespace Metrics.Reporters;

/// <summary>Options of a <see cref="LocalStoreReporter"/>: the common reporter options plus the store file and its retention.</summary>
public sealed class LocalStoreReporterOptions : ReporterOptions
{
    /// <summary>The SQLite file points are stored in (created with its directory if missing). Default <c>metrics.db</c> in the current directory.</summary>
    public string Path { get; set; } = "metrics.db";

    /// <summary>
    /// How long stored points are kept; null keeps every point. Default 30 days. Recorded in the file, so that a
    /// <c>new LocalStore(path)</c> opened to read it follows this retention.
    /// </summary>
    public TimeSpan? Retention { get; set; } = TimeSpan.FromDays(30);

    internal LocalStoreOptions ToStoreOptions(TimeProvider timeProvider)
    {
        if (string.IsNullOrWhiteSpace(Path))
        {
            throw new ArgumentException("LocalStoreReporterOptions.Path is empty; give a file path such as \"metrics.db\".");
        }

        if (Retention is TimeSpan retention && retention < TimeSpan.FromMilliseconds(1))
        {
            throw new ArgumentException(string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"LocalStoreReporterOptions.Retention is {retention}; it must be at least 1 millisecond (the file records it in whole milliseconds), or null to keep every point."));
        }

        return new LocalStoreOptions { Retention = Retention, TimeProvider = timeProvider };
    }
}
