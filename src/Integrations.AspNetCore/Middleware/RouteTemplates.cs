using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.StaticAssets;

namespace Metrics.AspNetCore.Middleware;

/// <summary>
/// The route tag of an endpoint: its route template, with the values a conventional route fixes for it filled in.
/// </summary>
/// <remarks>
/// MVC makes one endpoint per action from a conventional route such as <c>{controller=Home}/{action=Index}/{id?}</c>,
/// each with the same template and its own required values (<c>controller=Home, action=About</c>): filling those in
/// gives each action a series of its own (<c>Home/About/{id?}</c>), still a template, never the raw path. The tag
/// always starts with '/' (MVC templates are written without one). An endpoint at the default order (0, or above)
/// without required values whose template starts with '/' (minimal APIs) is its template as it is, with no lookup;
/// the others are made once per endpoint and cached, so a request allocates nothing.
/// <para>
/// The endpoints of <c>MapStaticAssets</c> (one per file, its template the file's path, often fingerprinted) share one
/// tag, <see cref="StaticAssets"/>, instead of a series per file. They are ordered before the app's routes (-100),
/// so they take the cached path even when their template starts with '/' (mapped in a group, <c>/assets/...</c>),
/// and the check costs nothing per request; a minimal API's endpoint does not pay for it. A file whose own path
/// (<c>/css/site.css</c>) is excluded gets <see cref="ExcludedStaticAsset"/>, decided once, as a route template is
/// checked against the excluded paths (so they hold with a <c>UsePathBase</c> after the middleware).
/// </para>
/// </remarks>
internal sealed class RouteTemplates
{
    /// <summary>The route tag of every static asset endpoint (<c>MapStaticAssets</c>); not a template.</summary>
    public const string StaticAssets = "static_assets";

    /// <summary>The route tag of a static asset endpoint whose own path is excluded: not to be recorded.</summary>
    public const string ExcludedStaticAsset = "static_assets (excluded)";

    private readonly ConcurrentDictionary<RouteEndpoint, string> _made = new();
    private readonly Func<PathString, bool> _excluded;

    /// <param name="excluded">Whether a path is one of the excluded paths.</param>
    public RouteTemplates(Func<PathString, bool> excluded) => _excluded = excluded;

    /// <summary>
    /// The route tag of <paramref name="endpoint"/>, starting with '/'; null when it has no template text;
    /// <see cref="StaticAssets"/> (this very instance) for a static asset endpoint, <see cref="ExcludedStaticAsset"/> for
    /// one whose path is excluded.
    /// </summary>
    public string? Of(RouteEndpoint endpoint)
    {
        var pattern = endpoint.RoutePattern;
        if (pattern.RawText is not { } raw || (pattern.RequiredValues.Count == 0 && endpoint.Order >= 0 && raw.StartsWith('/')))
        {
            return pattern.RawText;
        }

        return _made.TryGetValue(endpoint, out var made) ? made : _made.GetOrAdd(endpoint, static (e, self) => self.Make(e), this);
    }

    /// <summary>Whether <paramref name="tag"/>, as <see cref="Of"/> gave it, is the static assets' shared tag.</summary>
    public static bool IsStaticAssets(string? tag) => ReferenceEquals(tag, StaticAssets);

    /// <summary>Whether <paramref name="tag"/>, as <see cref="Of"/> gave it, is that of a static asset not to be recorded.</summary>
    public static bool IsExcludedStaticAsset(string? tag) => ReferenceEquals(tag, ExcludedStaticAsset);

    private string Make(RouteEndpoint endpoint)
    {
        var pattern = endpoint.RoutePattern;
        if (endpoint.Metadata.GetMetadata<StaticAssetDescriptor>() is not null)
        {
            return _excluded(new PathString(RequestMetricsOptions.RouteKey(pattern.RawText!))) ? ExcludedStaticAsset : StaticAssets;
        }

        return RequestMetricsOptions.RouteKey(pattern.RequiredValues.Count == 0 ? pattern.RawText! : Fill(pattern.RawText!, pattern.RequiredValues));
    }

    /// <summary><paramref name="template"/> with each parameter that <paramref name="values"/> gives a value replaced by it.</summary>
    internal static string Fill(string template, IReadOnlyDictionary<string, object?> values)
    {
        var result = new StringBuilder(template.Length);
        var i = 0;
        while (i < template.Length)
        {
            var open = template.IndexOf('{', i);
            if (open < 0)
            {
                result.Append(template, i, template.Length - i);
                break;
            }

            // "{{" is a literal brace.
            if (open + 1 < template.Length && template[open + 1] == '{')
            {
                result.Append(template, i, open + 2 - i);
                i = open + 2;
                continue;
            }

            var close = ParameterEnd(template, open + 1);
            if (close < 0)
            {
                result.Append(template, i, template.Length - i);
                break;
            }

            result.Append(template, i, open - i);
            var name = ParameterName(template.AsSpan(open + 1, close - open - 1));
            if (values.TryGetValue(name, out var value) && value is not null && value.ToString() is { Length: > 0 } text)
            {
                result.Append(text);
            }
            else
            {
                result.Append(template, open, close + 1 - open);
            }

            i = close + 1;
        }

        return result.ToString();
    }

    // The '}' that closes the parameter whose text starts at start: inside a parameter "{{" and "}}" are escaped braces
    // (a regex constraint such as "{id:regex(^\\d{{3}}$)}" holds them), so the first single '}' ends it. -1 if none does.
    private static int ParameterEnd(string template, int start)
    {
        for (var i = start; i < template.Length; i++)
        {
            if (template[i] is '{' or '}')
            {
                if (i + 1 < template.Length && template[i + 1] == template[i])
                {
                    i++;
                }
                else if (template[i] == '}')
                {
                    return i;
                }
            }
        }

        return -1;
    }

    // "controller=Home", "id:int?", "**path": the parameter's name.
    private static string ParameterName(ReadOnlySpan<char> token)
    {
        token = token.TrimStart('*');
        var end = token.IndexOfAny("=:?");
        return (end < 0 ? token : token[..end]).ToString();
    }
}
