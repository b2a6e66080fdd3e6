namespace Metrics.Reporters.Engine;

/// <summary>Checks <see cref="ReporterOptions"/> once, when a reporter is built, with messages naming the option.</summary>
internal static class OptionsValidator
{
    /// <summary>The longest wait a timer or a cancellation takes: 49 days, just under 2^32 - 1 milliseconds.</summary>
    public static readonly TimeSpan MaxTimerSpan = TimeSpan.FromDays(49);

    public static void Validate(ReporterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Positive(options.Interval, "Interval");
        if (options.Interval > MaxTimerSpan)
        {
            throw Invalid("Interval", options.Interval, "must be at most 49 days (the longest a timer can wait)");
        }

        if (options.StopTimeout < TimeSpan.Zero || options.StopTimeout > MaxTimerSpan)
        {
            throw Invalid("StopTimeout", options.StopTimeout, "must be between zero and 49 days (the longest a timer can wait)");
        }

        if (options.Name is { } name && string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("ReporterOptions.Name must not be empty or blank: give the reporter a name, or leave Name null to use the backend's.", nameof(options));
        }

        if (options.MaxQueueSize <= 0)
        {
            throw Invalid("MaxQueueSize", options.MaxQueueSize, "must be positive");
        }

        if (options.BatchSize <= 0)
        {
            throw Invalid("BatchSize", options.BatchSize, "must be positive");
        }

        if (options.Tags is null || options.Prefix is null || options.Fields is null)
        {
            throw new ArgumentException("ReporterOptions.Tags, Prefix and Fields must not be null (use Tags.Empty, \"\" and FieldNaming.Pyformance).", nameof(options));
        }

        var retry = options.Retry ?? throw new ArgumentException("ReporterOptions.Retry must not be null; set MaxRetries = 0 to disable retry.", nameof(options));
        if (retry.MaxRetries < 0)
        {
            throw Invalid("Retry.MaxRetries", retry.MaxRetries, "must be zero (no retry) or positive");
        }

        if (retry.BaseDelay < TimeSpan.Zero || retry.BaseDelay > TimeSpan.FromDays(1))
        {
            throw Invalid("Retry.BaseDelay", retry.BaseDelay, "must be between zero and one day");
        }

        if (retry.MaxDelay < retry.BaseDelay || retry.MaxDelay > TimeSpan.FromDays(1))
        {
            throw Invalid("Retry.MaxDelay", retry.MaxDelay, "must be at least Retry.BaseDelay and at most one day");
        }

        if (options.OfflineStorage is { } storage)
        {
            if (string.IsNullOrWhiteSpace(storage.Path))
            {
                throw new ArgumentException("ReporterOptions.OfflineStorage.Path is required: give the SQLite file to keep undeliverable points in.", nameof(options));
            }

            Positive(storage.Ttl, "OfflineStorage.Ttl");
            if (storage.ReplayBatchSize <= 0)
            {
                throw Invalid("OfflineStorage.ReplayBatchSize", storage.ReplayBatchSize, "must be positive");
            }

            if (storage.MaxStoredPoints <= 0)
            {
                throw Invalid("OfflineStorage.MaxStoredPoints", storage.MaxStoredPoints, "must be positive");
            }
        }

        if (options.AdaptiveBatching is { } adaptive)
        {
            if (adaptive.MinBatchSize <= 0 || adaptive.MinBatchSize > options.BatchSize)
            {
                throw Invalid("AdaptiveBatching.MinBatchSize", adaptive.MinBatchSize, $"must be between 1 and BatchSize ({options.BatchSize})");
            }

            if (!(adaptive.CpuTargetPercent > 0 && adaptive.CpuTargetPercent <= 100))
            {
                throw Invalid("AdaptiveBatching.CpuTargetPercent", adaptive.CpuTargetPercent, "must be above 0 and at most 100");
            }

            if (!(adaptive.MemoryTargetPercent > 0 && adaptive.MemoryTargetPercent <= 100))
            {
                throw Invalid("AdaptiveBatching.MemoryTargetPercent", adaptive.MemoryTargetPercent, "must be above 0 and at most 100");
            }
        }
    }

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw Invalid(name, value, "must be positive");
        }
    }

    private static ArgumentException Invalid(string option, object value, string rule) =>
        new(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"ReporterOptions.{option} {rule} (was {value})."));
}
