namespace Metrics.Reporters.Engine;

/// <summary>
/// Gives each live reporter of a registry its own name, so self-metrics of two reporters never share a series:
/// a second unnamed reporter of the same kind becomes <c>console-2</c>, then <c>console-3</c>. A name is released
/// when its reporter stops.
/// </summary>
/// <remarks>The names in use live on the registry itself, so nothing is shared beyond the registry the reporters already share.</remarks>
internal static class ReporterNames
{
    /// <summary>Claims <paramref name="requested"/> or, when <paramref name="makeUnique"/> and it is taken, the first free <c>requested-N</c>.</summary>
    public static string Claim(MetricsRegistry registry, string requested, bool makeUnique)
    {
        var names = registry.ClaimedNames;
        lock (names)
        {
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
