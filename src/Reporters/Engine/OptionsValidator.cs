using System.Globalization;

namespace Metrics.Reporters.Engine;

/// <summary>Checks <see cref="ReporterOptions"/> once, when a reporter is built, with messages naming the option.</summary>
internal static class OptionsValidator
{
    /// <summary>The longest wait a timer or a cancellation takes: 49 days, just under 2^32 - 1 milliseconds.</summary>
    public static readonly TimeSpan MaxTimerSpan = TimeSpan.FromDays(49);

    /// <summary>Throws an <see cref="ArgumentException"/> with the first problem <see cref="Problems"/> finds, if any.</summary>
    public static void Validate(ReporterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Problems(options) is [var first, ..])
        {
            throw first.ToException();
        }
    }

    /// <summary>Every problem of <paramref name="options"/>, in the order <see cref="Validate"/> checks them; empty when they are valid.</summary>
    public static IReadOnlyList<OptionProblem> Problems(ReporterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<OptionProblem>();
        Positive(problems, options.Interval, "Interval");
        if (options.Interval > MaxTimerSpan)
        {
            problems.Add(Invalid("Interval", options.Interval, "must be at most 49 days (the longest a timer can wait)"));
        }

        if (options.StopTimeout < TimeSpan.Zero || options.StopTimeout > MaxTimerSpan)
        {
            problems.Add(Invalid("StopTimeout", options.StopTimeout, "must be between zero and 49 days (the longest a timer can wait)"));
        }

        if (options.Name is { } name && string.IsNullOrWhiteSpace(name))
        {
            problems.Add(new OptionProblem(
                "Name",
                "must not be empty or blank: give the reporter a name, or leave Name out to use the backend's.",
                "ReporterOptions.Name must not be empty or blank: give the reporter a name, or leave Name null to use the backend's.",
                ParameterName: nameof(options)));
        }

        if (options.MaxQueueSize <= 0)
        {
            problems.Add(Invalid("MaxQueueSize", options.MaxQueueSize, "must be positive"));
        }

        if (options.BatchSize <= 0)
        {
            problems.Add(Invalid("BatchSize", options.BatchSize, "must be positive"));
        }

        if (options.Tags is null || options.Prefix is null || options.Fields is null)
        {
            var key = options.Tags is null ? "Tags" : options.Prefix is null ? "Prefix" : "Fields";
            problems.Add(new OptionProblem(
                key,
                "Tags, Prefix and Fields must not be null (use Tags.Empty, \"\" and FieldNaming.Pyformance).",
                "ReporterOptions.Tags, Prefix and Fields must not be null (use Tags.Empty, \"\" and FieldNaming.Pyformance).",
                ParameterName: nameof(options)));
        }

        if (options.Retry is not { } retry)
        {
            problems.Add(new OptionProblem(
                "Retry",
                "must not be null; set MaxRetries = 0 to disable retry.",
                "ReporterOptions.Retry must not be null; set MaxRetries = 0 to disable retry.",
                ParameterName: nameof(options)));
        }
        else
        {
            if (retry.MaxRetries < 0)
            {
                problems.Add(Invalid("Retry.MaxRetries", retry.MaxRetries, "must be zero (no retry) or positive"));
            }

            if (retry.BaseDelay < TimeSpan.Zero || retry.BaseDelay > TimeSpan.FromDays(1))
            {
                problems.Add(Invalid("Retry.BaseDelay", retry.BaseDelay, "must be between zero and one day"));
            }

            if (retry.MaxDelay < retry.BaseDelay || retry.MaxDelay > TimeSpan.FromDays(1))
            {
                problems.Add(Invalid("Retry.MaxDelay", retry.MaxDelay, "must be at least Retry.BaseDelay and at most one day"));
            }
        }

        if (options.OfflineStorage is { } storage)
        {
            if (string.IsNullOrWhiteSpace(storage.Path))
            {
                problems.Add(new OptionProblem(
                    "OfflineStorage:Path",
                    "is required: give the SQLite file to keep undeliverable points in.",
                    "ReporterOptions.OfflineStorage.Path is required: give the SQLite file to keep undeliverable points in.",
                    ParameterName: nameof(options)));
            }

            Positive(problems, storage.Ttl, "OfflineStorage.Ttl");
            if (storage.ReplayBatchSize <= 0)
            {
                problems.Add(Invalid("OfflineStorage.ReplayBatchSize", storage.ReplayBatchSize, "must be positive"));
            }

            if (storage.MaxStoredPoints <= 0)
            {
                problems.Add(Invalid("OfflineStorage.MaxStoredPoints", storage.MaxStoredPoints, "must be positive"));
            }
        }

        if (options.AdaptiveBatching is { } adaptive)
        {
            if (adaptive.MinBatchSize <= 0 || adaptive.MinBatchSize > options.BatchSize)
            {
                problems.Add(Invalid("AdaptiveBatching.MinBatchSize", adaptive.MinBatchSize, string.Create(CultureInfo.InvariantCulture, $"must be between 1 and BatchSize ({options.BatchSize})")));
            }

            if (!(adaptive.CpuTargetPercent > 0 && adaptive.CpuTargetPercent <= 100))
            {
                problems.Add(Invalid("AdaptiveBatching.CpuTargetPercent", adaptive.CpuTargetPercent, "must be above 0 and at most 100"));
            }

            if (!(adaptive.MemoryTargetPercent > 0 && adaptive.MemoryTargetPercent <= 100))
            {
                problems.Add(Invalid("AdaptiveBatching.MemoryTargetPercent", adaptive.MemoryTargetPercent, "must be above 0 and at most 100"));
            }
        }

        return problems;
    }

    private static void Positive(List<OptionProblem> problems, TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            problems.Add(Invalid(name, value, "must be positive"));
        }
    }

    private static OptionProblem Invalid(string option, object value, string rule)
    {
        var was = string.Create(CultureInfo.InvariantCulture, $"(was {value})");
        return new OptionProblem(option.Replace('.', ':'), $"{rule} {was}", $"ReporterOptions.{option} {rule} {was}.", ParameterName: null);
    }
}

/// <summary>One problem of a <see cref="ReporterOptions"/>.</summary>
/// <param name="Key">The option's configuration key relative to the reporter's section, e.g. <c>BatchSize</c> or <c>Retry:MaxDelay</c>.</param>
/// <param name="Description">What is wrong, without the option's name (to follow the configuration key).</param>
/// <param name="Message">What is wrong, naming the option as code sets it (<c>ReporterOptions.BatchSize must be positive (was 0).</c>).</param>
/// <param name="ParameterName">The parameter name of the <see cref="ArgumentException"/> <see cref="OptionsValidator.Validate"/> throws, if any.</param>
internal sealed record OptionProblem(string Key, string Description, string Message, string? ParameterName)
{
    public ArgumentException ToException() => new(Message, ParameterName);
}
