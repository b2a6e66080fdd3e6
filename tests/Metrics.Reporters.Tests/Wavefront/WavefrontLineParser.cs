using System.Globalization;
using System.Text;

namespace Metrics.Reporters.Tests.Wavefront;

/// <summary>A metric or delta-counter line parsed back, the way a Wavefront proxy reads it.</summary>
internal sealed record ParsedPoint(string Name, double Value, long? Timestamp, string Source, IReadOnlyDictionary<string, string> Tags)
{
    public override string ToString() =>
        $"{Name} {Value.ToString(CultureInfo.InvariantCulture)} {Timestamp} {Source} {string.Join(",", Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => t.Key + "=" + t.Value))}";
}

/// <summary>Parses Wavefront metric lines (<c>"name" value [timestamp] source="s" "k"="v" ...</c>), unescaping quoted parts.</summary>
internal static class WavefrontLineParser
{
    public static ParsedPoint ParseMetric(string line)
    {
        var tokens = Tokenize(line);
        if (tokens.Count < 3)
        {
            throw new FormatException("Too few fields: " + line);
        }

        var name = Unquote(tokens[0]);
        var value = double.Parse(tokens[1], NumberStyles.Float, CultureInfo.InvariantCulture);
        var i = 2;
        long? timestamp = null;
        if (!tokens[i].Contains('=', StringComparison.Ordinal))
        {
            timestamp = long.Parse(tokens[i], CultureInfo.InvariantCulture);
            i++;
        }

        string? source = null;
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (; i < tokens.Count; i++)
        {
            var (key, val) = SplitPair(tokens[i]);
            if (key == "source" && source is null)
            {
                source = val;
            }
            else
            {
                tags.Add(key, val);
            }
        }

        return new ParsedPoint(name, value, timestamp, source ?? throw new FormatException("No source: " + line), tags);
    }

    private static (string Key, string Value) SplitPair(string token)
    {
        var inQuotes = false;
        for (var i = 0; i < token.Length; i++)
        {
            if (token[i] == '\\' && inQuotes)
            {
                i++;
            }
            else if (token[i] == '"')
            {
                inQuotes = !inQuotes;
            }
            else if (token[i] == '=' && !inQuotes)
            {
                return (Unquote(token[..i]), Unquote(token[(i + 1)..]));
            }
        }

        throw new FormatException("Not a key=value pair: " + token);
    }

    private static string Unquote(string token)
    {
        if (token.Length < 2 || token[0] != '"' || token[^1] != '"')
        {
            return token;
        }

        var sb = new StringBuilder();
        for (var i = 1; i < token.Length - 1; i++)
        {
            if (token[i] == '\\' && i + 1 < token.Length - 1 && token[i + 1] is '"' or 'n')
            {
                sb.Append(token[i + 1] == 'n' ? '\n' : '"');
                i++;
            }
            else
            {
                sb.Append(token[i]);
            }
        }

        return sb.ToString();
    }

    private static List<string> Tokenize(string line)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        var inQuotes = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (inQuotes && c == '\\' && i + 1 < line.Length)
            {
                current.Append(c).Append(line[++i]);
                continue;
            }

            if (c == '"')
            {
                inQuotes = !inQuotes;
            }

            if (c is ' ' or '\n' && !inQuotes)
            {
                if (current.Length > 0)
                {
                    tokens.Add(current.ToString());
                    current.Clear();
                }

                continue;
            }

            current.Append(c);
        }

        if (current.Length > 0)
        {
            tokens.Add(current.ToString());
        }

        return tokens;
    }
}
