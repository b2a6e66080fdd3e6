namespace Metrics.Reporters;

/// <summary>Options of a <see cref="LocalStore"/>. Validated once, when the store is opened.</summary>
public sealed class LocalStoreOptions
{
    /// <summary>The retention of a new store file when none is set: 30 days.</summary>
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(30);

    private TimeSpan? _retention = DefaultRetention;

    /// <summary>
    /// How long points are kept: points older than now minus this are purged (on write and every
    /// <see cref="PurgeInterval"/>) and never returned by reads. Null keeps every point.
    /// </summary>
    /// <remarks>
    /// The retention belongs to the file: a store opened with <see cref="Retention"/> set (to a time or to null)
    /// records it in the file. A store opened without setting it follows the retention recorded in the file, so
    /// that a reader (<c>new LocalStore(path)</c>) never purges what the writer keeps; a new file records
    /// <see cref="DefaultRetention"/> (30 days), and an existing file with no recorded retention keeps every point.
    /// The getter answers 30 days until set; <see cref="LocalStore.Retention"/> is the retention in effect.
    /// </remarks>
    public TimeSpan? Retention
    {
        get => _retention;
        set
        {
            _retention = value;
            RetentionIsSet = true;
        }
    }

    /// <summary>Whether <see cref="Retention"/> was set (the store then records it in the file) or left to the file.</summary>
    internal bool RetentionIsSet { get; private set; }

    /// <summary>How often points past <see cref="Retention"/> are purged. Default 1 minute.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The clock used for retention. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Opens the file for reading only: nothing is created, recorded or purged, and writes, increments, deletes and
    /// attribute updates throw <see cref="NotSupportedException"/>. The file must hold a store of the current schema.
    /// A file the process cannot write is opened this way even when false. Default false.
    /// </summary>
    public bool ReadOnly { get; set; }

    /// <summary>Seconds a statement waits for another writer of the file (0 waits forever). 5; tests lower it.</summary>
    internal int BusyTimeoutSeconds { get; set; } = 5;

    internal void Validate()
    {
        if (Retention is TimeSpan r && r < TimeSpan.FromMilliseconds(1))
        {
            throw new ArgumentException(
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"LocalStoreOptions.Retention is {r}; it must be at least 1 millisecond (the file records it in whole milliseconds), or null to keep every point."),
                nameof(Retention));
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
