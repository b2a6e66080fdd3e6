namespace Metrics.Reporters.Engine;

/// <summary>
/// Gives each live reporter of a registry its own name, so self-metrics of two reporters never share a series:
/// a second unnamed reporter of the same kind becomes <c>console-2</c>, then <c>console-3</c>. A name is released
/// when its reporter stops. A name given explicitly must be free: two live reporters of one registry with the same
/// name would share their self-metric series, and the first to stop would remove the other's gauges.
/// </summary>
/// <remarks>The names in use live on the registry itself, so nothing is shared beyond the registry the reporters already share.</remarks>
internal static class ReporterNames
{
    /// <summary>
    /// Claims <paramref name="requested"/> or, when <paramref name="makeUnique"/> and it is taken, the first free
    /// <c>requested-N</c>; an explicit name (not <paramref name="makeUnique"/>) that is taken throws.
    /// </summary>
    public static string Claim(MetricsRegistry registry, string requested, bool makeUnique)
    {
        var names = registry.ClaimedNames;
        lock (names)
        {
            if (!makeUnique && names.ContainsKey(requested))
            {
                throw new ArgumentException(
                    $"ReporterOptions.Name \"{requested}\" is taken by another reporter of this registry that has not been stopped; give each reporter its own name, or leave Name null for a unique one.");
            }

            var name = requested;
            for (var n = 2; makeUnique && names.ContainsKey(name); n++)
            {
                name = string.Concat(requested, "-", n.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            names[name] = names.GetValueOrDefault(name) + 1;
            return name;
        }
    }

    /// <summary>Releases a name claimed with <see cref="Claim"/>.</summary>
    public static void Release(MetricsRegistry registry, string name)
    {
        var names = registry.ClaimedNames;
        {
            lock (names)
            {
                if (names.TryGetValue(name, out var count) && --count <= 0)
                {
                    names.Remove(name);
                }
                else if (count > 0)
                {
                    names[name] = count;
                }
            }
        }
    }
}
