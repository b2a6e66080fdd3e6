namespace Metrics.Reporters;

/// <summary>Options of a <see cref="LocalStore"/>. Validated once, when the store is opened.</summary>
public sealed class LocalStoreOptions
{
    /// <summary>
    /// How long points are kept: points older than now minus this are purged (on write and every
    /// <see cref="PurgeInterval"/>) and never returned by reads. Null keeps every point. Default 30 days.
    /// </summary>
    public TimeSpan? Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often points past <see cref="Retention"/> are purged. Default 1 minute.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The clock used for retention. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Seconds a statement waits for another writer of the file (0 waits forever). 5; tests lower it.</summary>
    internal int BusyTimeoutSeconds { get; set; } = 5;

    internal void Validate()
    {
        if (Retention is TimeSpan r && r <= TimeSpan.Zero)
        {
            throw new ArgumentException(
                $"LocalStoreOptions.Retention is {r}; it must be positive, or null to keep every point.", nameof(Retention));
        }

        if (PurgeInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException(
                $"LocalStoreOptions.PurgeInterval is {PurgeInterval}; it must be positive (default 1 minute).", nameof(PurgeInterval));
        }

        if (TimeProvider is null)
        {
            throw new ArgumentException("LocalStoreOptions.TimeProvider is null; leave it unset to use the system clock.", nameof(TimeProvider));
        }
    }
}
