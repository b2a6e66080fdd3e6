using System.Globalization;

namespace Metrics.Reporters.Apptuit;

/// <summary>
/// Reads the Apptuit environment variables through an injectable lookup, so tests never touch the process
/// environment: <c>APPTUIT_API_TOKEN</c>, <c>APPTUIT_TAGS</c> and <c>APPTUIT_DISABLE_HOST_TAG</c>, and, as apptuit-py
/// still does, the older names <c>APPTUIT_PY_TOKEN</c> and <c>APPTUIT_PY_TAGS</c> when the current ones are unset.
/// </summary>
internal sealed class ApptuitEnvironment
{
    public const string TokenVariable = "APPTUIT_API_TOKEN";
    public const string TagsVariable = "APPTUIT_TAGS";
    public const string DisableHostTagVariable = "APPTUIT_DISABLE_HOST_TAG";

    /// <summary>apptuit-py's former name of <see cref="TokenVariable"/>, which it still reads when that one is unset.</summary>
    public const string DeprecatedTokenVariable = "APPTUIT_PY_TOKEN";

    /// <summary>apptuit-py's former name of <see cref="TagsVariable"/>, which it still reads when that one is unset.</summary>
    public const string DeprecatedTagsVariable = "APPTUIT_PY_TAGS";

    private readonly Func<string, string?> _lookup;

    public ApptuitEnvironment(Func<string, string?> lookup) => _lookup = lookup;

    /// <summary>The process environment.</summary>
    public static ApptuitEnvironment Process { get; } = new(Environment.GetEnvironmentVariable);

    /// <summary>The token from the option, else from <c>APPTUIT_API_TOKEN</c>, else from <c>APPTUIT_PY_TOKEN</c>.</summary>
    /// <exception cref="InvalidOperationException">Neither gives a token.</exception>
    /// <exception cref="ArgumentException">The token holds a character that cannot go in an HTTP header.</exception>
    public string ResolveToken(string? option)
    {
        if (!string.IsNullOrWhiteSpace(option))
        {
            return CheckToken(option.Trim(), "the Token option");
        }

        var fromEnv = _lookup(TokenVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            return CheckToken(fromEnv.Trim(), "the environment variable " + TokenVariable);
        }

        var fromOldEnv = _lookup(DeprecatedTokenVariable);
        if (!string.IsNullOrWhiteSpace(fromOldEnv))
        {
            return CheckToken(fromOldEnv.Trim(), "the environment variable " + DeprecatedTokenVariable);
        }

        throw new InvalidOperationException(
            $"No Apptuit API token: set the Token option or the environment variable {TokenVariable}.");
    }

    // A token with a space, control or non-ASCII character cannot be sent as a bearer header: HttpClient would fail
    // every request as if the server were unreachable (and be retried). Say so once, at construction, without the token.
    private static string CheckToken(string token, string source) =>
        Transports.BearerToken.Check(token, $"The Apptuit API token from {source}");

    /// <summary>
    /// The global tags from the option when it has any, else from <c>APPTUIT_TAGS</c>, else from <c>APPTUIT_PY_TAGS</c>
    /// (empty when neither is set), as apptuit-py reads them.
    /// </summary>
    /// <exception cref="FormatException">The variable read is malformed.</exception>
    public Tags ResolveTags(Tags? option)
    {
        if (option is { IsEmpty: false })
        {
            return option;
        }

        var text = _lookup(TagsVariable);
        return string.IsNullOrEmpty(text)
            ? ParseTags(_lookup(DeprecatedTagsVariable), DeprecatedTagsVariable)
            : ParseTags(text, TagsVariable);
    }

    /// <summary>The option when set, else <c>APPTUIT_DISABLE_HOST_TAG</c>, else false.</summary>
    /// <exception cref="FormatException"><c>APPTUIT_DISABLE_HOST_TAG</c> is not a true/false word.</exception>
    public bool ResolveDisableHostTag(bool? option) =>
        option ?? ParseBoolean(_lookup(DisableHostTagVariable), DisableHostTagVariable);

    /// <summary>
    /// Parses <c>k1:v1, k2:v2</c> (spaces optional, empty items ignored) as apptuit-py does; a key given twice takes
    /// its last value, so a later item overrides an earlier one (<c>$BASE_TAGS, env:staging</c>).
    /// </summary>
    /// <exception cref="FormatException">An item is not exactly one non-empty key and one non-empty value separated by one <c>:</c>.</exception>
    public static Tags ParseTags(string? text, string variable = TagsVariable)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Tags.Empty;
        }

        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split(','))
        {
            var item = raw.Trim();
            if (item.Length == 0)
            {
                continue;
            }

            var parts = item.Split(':');
            if (parts.Length != 2 || parts[0].Trim().Length == 0 || parts[1].Trim().Length == 0)
            {
                throw new FormatException(
                    $"{variable} has the item '{item}', which is not a key and a value separated by one ':'. " +
                    $"Write it as 'key1:value1, key2:value2'; keys and values must not contain ':' or ','.");
            }

            pairs[parts[0].Trim()] = parts[1].Trim();
        }

        return new Tags(pairs);
    }

    /// <summary>
    /// Parses a true/false word as Python's <c>strtobool</c>, which apptuit-py uses (y, yes, t, true, on, 1 /
    /// n, no, f, false, off, 0; any case). Null or blank is false.
    /// </summary>
    /// <exception cref="FormatException">Any other text.</exception>
    public static bool ParseBoolean(string? text, string variable)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        switch (text.Trim().ToUpperInvariant())
        {
            case "TRUE" or "T" or "YES" or "Y" or "ON" or "1":
                return true;
            case "FALSE" or "F" or "NO" or "N" or "OFF" or "0":
                return false;
            default:
                throw new FormatException($"{variable} is '{text}', which is not a true/false word; set it to 'true' or 'false'.");
        }
    }
}
