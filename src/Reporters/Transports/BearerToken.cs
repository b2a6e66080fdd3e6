using System.Globalization;

namespace Metrics.Reporters.Transports;

/// <summary>Checks of an API token sent as <c>Authorization: Bearer</c>, and its removal from text shown to users.</summary>
internal static class BearerToken
{
    /// <summary>
    /// The token without surrounding white space (a token read from a file often ends in a line break).
    /// </summary>
    /// <param name="token">The token as configured.</param>
    /// <param name="what">What the token is, to start the message with, e.g. "The Apptuit API token from the Token option".</param>
    /// <exception cref="ArgumentException">
    /// A space, control or non-ASCII character is left: it cannot go in an HTTP header, where it would fail every
    /// request (or, with a line break, add a header of its own). The message never shows the token.
    /// </exception>
    public static string Check(string token, string what)
    {
        ArgumentNullException.ThrowIfNull(token);
        token = token.Trim();
        for (var i = 0; i < token.Length; i++)
        {
            var c = token[i];
            if (c is <= ' ' or >= '\u007f')
            {
                throw new ArgumentException(
                    $"{what} has a character that cannot go in an HTTP header (U+{((int)c).ToString("X4", CultureInfo.InvariantCulture)} at position {i.ToString(CultureInfo.InvariantCulture)}); " +
                    "copy the token again without spaces, line breaks or other non-ASCII characters.");
            }
        }

        return token;
    }

    /// <summary><paramref name="text"/> (from a server or a transport) with every copy of <paramref name="token"/> replaced by <c>***</c>.</summary>
    /// <remarks>
    /// A server that echoes the token inside JSON may escape it (<c>/</c> as <c>\/</c>, <c>+</c> as <c>\u002B</c>), or
    /// echo it URL-encoded: those forms are replaced too.
    /// </remarks>
    public static string Scrub(string text, string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return text;
        }

        text = text.Replace(token, "***", StringComparison.Ordinal);
        foreach (var form in EscapedForms(token))
        {
            if (form != token)
            {
                text = text.Replace(form, "***", StringComparison.OrdinalIgnoreCase);
            }
        }

        return text;
    }

    private static IEnumerable<string> EscapedForms(string token)
    {
        yield return token.Replace("/", "\\/", StringComparison.Ordinal);
        yield return System.Text.Json.JsonEncodedText.Encode(token).Value;
        yield return System.Text.Json.JsonEncodedText.Encode(token).Value.Replace("/", "\\/", StringComparison.Ordinal);
        yield return Uri.EscapeDataString(token);
    }
}
