using System.Text.RegularExpressions;

namespace Metrics.Reporters.Transports;

/// <summary>
/// Addresses as shown to users (messages, logs, <c>ToString</c>): scheme, host, port and path, never the user info
/// (<c>user:password@</c>) or the query (<c>?token=...</c>), which may hold credentials. Also the request addresses a
/// backend builds below a configured one (<see cref="Below"/>).
/// </summary>
internal static partial class SafeUri
{
    /// <summary><paramref name="uri"/> without user info, query or fragment; "(none)" for null.</summary>
    public static string Describe(Uri? uri) =>
        uri is null ? "(none)"
        : uri.IsAbsoluteUri ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)
        : Describe(uri.OriginalString);

    /// <summary>
    /// Text that may be an address (a configuration value that did not even parse as one): what sits between
    /// <c>//</c> and <c>@</c>, and everything from <c>?</c> or <c>#</c> on, replaced by <c>***</c>.
    /// </summary>
    public static string Describe(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "(none)";
        }

        var cut = text.IndexOfAny(['?', '#']);
        var shown = cut < 0 ? text : text[..cut] + "?***";
        return UserInfo().Replace(shown, "//***@");
    }

    /// <summary>
    /// The address of <paramref name="path"/> below <paramref name="endpoint"/>'s own path, with <paramref name="query"/>
    /// (may be empty) followed by the endpoint's own query, if any: a gateway's key, say, which dropped would have the
    /// gateway refuse every request.
    /// </summary>
    public static Uri Below(Uri endpoint, string path, string query)
    {
        var own = endpoint.GetComponents(UriComponents.Query, UriFormat.UriEscaped);
        return new UriBuilder(endpoint)
        {
            Path = endpoint.AbsolutePath.TrimEnd('/') + "/" + path,
            Query = own.Length == 0 ? query : query.Length == 0 ? own : query + "&" + own,
            Fragment = string.Empty,
        }.Uri;
    }

    [GeneratedRegex("//[^/@]*@")]
    private static partial Regex UserInfo();
}
