using System.Globalization;
using System.Text;

namespace Metrics.Reporters.Apptuit;

/// <summary>Applies an <see cref="ApptuitSanitizeMode"/> to metric names and tag keys.</summary>
internal static class ApptuitSanitizer
{
    /// <summary>Returns <paramref name="name"/> made valid under <paramref name="mode"/>.</summary>
    /// <exception cref="ArgumentException">The name is empty, or (mode <see cref="ApptuitSanitizeMode.None"/>) holds a character Apptuit rejects.</exception>
    public static string Sanitize(string name, ApptuitSanitizeMode mode, string what = "metric name")
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
        {
            throw new ArgumentException($"The {what} is empty; Apptuit needs a non-empty {what}.");
        }

        return mode switch
        {
            ApptuitSanitizeMode.Prometheus => Prometheus(name),
            ApptuitSanitizeMode.Apptuit => Apptuit(name),
            ApptuitSanitizeMode.None => Validate(name, what),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown sanitize mode; use Prometheus, Apptuit or None."),
        };
    }

    /// <summary>The Prometheus rule: <c>[A-Za-z0-9_]</c> only, runs of <c>_</c> collapsed, a leading digit prefixed with <c>_</c>.</summary>
    public static string Prometheus(string name)
    {
        if (IsPrometheusValid(name))
        {
            return name;
        }

        var sb = new StringBuilder(name.Length + 1);
        if (char.IsAsciiDigit(name[0]))
        {
            sb.Append('_');
        }

        foreach (var c in name)
        {
            AppendCollapsed(sb, char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }

        return sb.ToString();
    }

    /// <summary>The Apptuit rule: <c>-</c>, <c>.</c>, <c>/</c>, <c>_</c>, Unicode letters and numbers kept, anything else <c>_</c>, runs of <c>_</c> collapsed.</summary>
    public static string Apptuit(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var rune in name.EnumerateRunes())
        {
            if (IsApptuitValid(rune))
            {
                if (rune.Value == '_')
                {
                    AppendCollapsed(sb, '_');
                }
                else
                {
                    sb.Append(rune.ToString());
                }
            }
            else
            {
                AppendCollapsed(sb, '_');
            }
        }

        return sb.ToString();
    }

    /// <summary>Returns <paramref name="name"/> when every character is valid for Apptuit; otherwise throws naming the first bad one.</summary>
    public static string Validate(string name, string what = "metric name")
    {
        var index = 0;
        foreach (var rune in name.EnumerateRunes())
        {
            if (!IsApptuitValid(rune))
            {
                var shown = Rune.IsControl(rune) || Rune.IsWhiteSpace(rune)
                    ? "U+" + rune.Value.ToString("X4", CultureInfo.InvariantCulture)
                    : "'" + rune + "'";
                throw new ArgumentException(
                    $"The {what} '{name}' has the character {shown} at position {index}, which Apptuit does not accept. " +
                    "Use only letters, digits, '-', '.', '/' and '_', or choose the Prometheus or Apptuit sanitize mode to replace such characters.");
            }

            index += rune.Utf16SequenceLength;
        }

        return name;
    }

    // apptuit-py matches [-\w_./] with Python's Unicode \w: letters and every number category (Nd, Nl, No, so
    // '²' and 'Ⅻ' are kept), not only decimal digits. Combining marks are not word characters there either.
    private static bool IsApptuitValid(Rune rune) =>
        rune.Value is '-' or '.' or '/' or '_' || Rune.IsLetter(rune) || Rune.IsNumber(rune);

    private static bool IsPrometheusValid(string name)
    {
        if (char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_') || (c == '_' && i > 0 && name[i - 1] == '_'))
            {
                return false;
            }
        }

        return true;
    }

    private static void AppendCollapsed(StringBuilder sb, char c)
    {
        if (c == '_' && sb.Length > 0 && sb[^1] == '_')
        {
            return;
        }

        sb.Append(c);
    }
}
