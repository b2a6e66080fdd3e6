using System.Collections.Concurrent;

namespace Metrics.Reporters.Apptuit;

/// <summary>
/// Turns points into wire points: decodes encoded names, sanitizes the name and tag keys, merges tags (the point's
/// own tags win over the global tags, also where two keys become one when sanitized), adds the host tag when asked
/// and none is present, and checks the limits (1 to 25 tags, a finite value).
/// </summary>
internal sealed class ApptuitPointRules
{
    public const int MaxTags = 25;

    // Names repeat on every report: remember their sanitized form (bounded; past the bound names are sanitized each time).
    private const int MaxCachedNames = 10_000;
    private readonly ConcurrentDictionary<string, string> _names = new(StringComparer.Ordinal);
    private int _cachedNames; // ConcurrentDictionary.Count takes every lock: count here instead

    private readonly ApptuitSanitizeMode _mode;
    private readonly Tags _globalTags;
    private readonly string? _hostName;

    /// <param name="mode">How names and tag keys are sanitized.</param>
    /// <param name="globalTags">Tags under every point (the lowest precedence).</param>
    /// <param name="hostName">When not null, <c>host=hostName</c> is added to points without a <c>host</c> tag.</param>
    public ApptuitPointRules(ApptuitSanitizeMode mode, Tags globalTags, string? hostName)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown Apptuit sanitize mode; use Prometheus, Apptuit or None.");
        }

        _mode = mode;
        _hostName = string.IsNullOrEmpty(hostName) ? null : hostName;
        foreach (var (key, _) in globalTags ?? Tags.Empty)
        {
            ApptuitSanitizer.Sanitize(key, mode, "global tag key");
        }

        // Sanitized once, so that a point's key wins over a global key that sanitizes to the same key.
        _globalTags = SanitizeKeys(globalTags ?? Tags.Empty);
    }

    public ApptuitSanitizeMode Mode => _mode;

    /// <summary>Builds the wire point, or returns why the point cannot be sent.</summary>
    public string? TryPrepare(string metric, Tags tags, long timestamp, double value, out ApptuitPoint point)
    {
        point = default;
        try
        {
            point = Prepare(metric, tags, timestamp, value);
            return null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
        catch (FormatException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>Builds the wire point.</summary>
    /// <exception cref="ArgumentException">The point cannot be sent; the message says why and what to do.</exception>
    /// <exception cref="FormatException">The metric holds a malformed encoded tag part.</exception>
    public ApptuitPoint Prepare(string metric, Tags tags, long timestamp, double value)
    {
        ArgumentNullException.ThrowIfNull(metric);
        tags ??= Tags.Empty;
        if (!double.IsFinite(value))
        {
            throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The value of '{metric}' is {value}; Apptuit accepts only finite numbers, so the point is skipped."));
        }

        var name = metric;
        if (MetricName.IsEncoded(metric))
        {
            var id = MetricName.Decode(metric);
            name = id.Name;
            tags = tags.Merge(id.Tags);
        }

        // Keys are sanitized before merging, as apptuit-py's later, higher-precedence keys overwrite earlier ones
        // when sanitized: a point's service.name wins over a global service_name. ("host" sanitizes to itself.)
        var wireTags = _globalTags.Merge(SanitizeKeys(tags));
        if (_hostName != null && !wireTags.ContainsKey("host"))
        {
            wireTags = wireTags.With("host", _hostName);
        }

        var wireName = SanitizeName(name);
        if (wireTags.Count == 0)
        {
            throw new ArgumentException(
                $"The point '{name}' has no tags; Apptuit needs at least one. Give the metric a tag, set global tags (option or {ApptuitEnvironment.TagsVariable}), or keep the host tag on.");
        }

        if (wireTags.Count > MaxTags)
        {
            throw new ArgumentException(
                $"The point '{name}' has {wireTags.Count} tags after merging metric, reporter and global tags; Apptuit accepts at most {MaxTags}. Remove some tags.");
        }

        return new ApptuitPoint(wireName, wireTags, timestamp, value);
    }

    private string SanitizeName(string name)
    {
        if (_names.TryGetValue(name, out var clean))
        {
            return clean;
        }

        clean = ApptuitSanitizer.Sanitize(name, _mode);
        if (Volatile.Read(ref _cachedNames) < MaxCachedNames && _names.TryAdd(name, clean))
        {
            Interlocked.Increment(ref _cachedNames);
        }

        return clean;
    }

    private Tags SanitizeKeys(Tags tags)
    {
        Dictionary<string, string>? result = null;
        for (var i = 0; i < tags.Count; i++)
        {
            var (key, value) = tags[i];
            var clean = ApptuitSanitizer.Sanitize(key, _mode, "tag key");
            if (result == null && !string.Equals(clean, key, StringComparison.Ordinal))
            {
                result = new Dictionary<string, string>(tags.Count, StringComparer.Ordinal);
                for (var j = 0; j < i; j++)
                {
                    result[tags[j].Key] = tags[j].Value;
                }
            }

            // Two keys may sanitize to the same key (a.b and a_b): the one that sorts last wins, deterministically.
            if (result != null)
            {
                result[clean] = value;
            }
        }

        return result == null ? tags : new Tags(result);
    }
}
