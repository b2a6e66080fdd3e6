using System.Globalization;
using System.Text.Json;
using Metrics.Reporters.Transports;

namespace Metrics.Reporters.Apptuit;

/// <summary>
/// One request to the Apptuit API at a time: <c>POST /api/put?details</c> with a compressed JSON body and the bearer
/// token, classified into an <see cref="ApptuitPutResult"/>. Retrying and splitting are the caller's business (the
/// client's loop, or the reporting engine). Never lets the token into a message.
/// </summary>
internal sealed class ApptuitApi : IDisposable
{
    /// <summary>What a 3xx answer means, for sends and queries alike.</summary>
    public static string RedirectMessage(int status, Uri? location) =>
        "the Apptuit API endpoint answered " + status.ToString(CultureInfo.InvariantCulture) + ", a redirect" +
        (location is null ? string.Empty : " to " + SafeUri.Describe(location)) +
        ", which is not followed (it would drop the token); set ApiEndpoint to the address the endpoint moved to";

    /// <summary>What a 401 means, for sends and queries alike.</summary>
    public const string InvalidTokenMessage = "the Apptuit API token is invalid (401 Unauthorized); check the Token option or " + ApptuitEnvironment.TokenVariable;

    private readonly IHttpTransport _transport;
    private readonly Uri _putUri;
    private readonly Uri _queryUri;
    private readonly string _token;
    private readonly HttpContentEncoding _encoding;
    private readonly IReadOnlyDictionary<string, string> _headers;

    public ApptuitApi(IHttpTransport transport, Uri endpoint, string token, bool useGzip)
    {
        ArgumentNullException.ThrowIfNull(transport);
        CheckEndpoint(endpoint);
        _transport = transport;
        Endpoint = new Uri(endpoint.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped).TrimEnd('/') + "/");

        // The API's paths go after the endpoint's own path, and a query the endpoint carries after the API's; user
        // info is not sent.
        var sent = new UriBuilder(endpoint) { UserName = string.Empty, Password = string.Empty }.Uri;
        _putUri = SafeUri.Below(sent, "api/put", "details");
        _queryUri = SafeUri.Below(sent, "api/query", string.Empty);
        _token = token;
        _encoding = useGzip ? HttpContentEncoding.Gzip : HttpContentEncoding.Deflate;
        _headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Authorization"] = "Bearer " + token,
            ["User-Agent"] = "Metrics.Reporters-apptuit",
        };
    }

    /// <summary>Checks an ApiEndpoint option before anything (a transport) is created for it.</summary>
    /// <exception cref="ArgumentException">It is not an absolute http or https URI.</exception>
    public static Uri CheckEndpoint(Uri? endpoint)
    {
        if (endpoint is null)
        {
            throw new ArgumentException("The Apptuit ApiEndpoint is null; leave it at its default https://api.apptuit.ai or set an absolute http or https URI.", nameof(endpoint));
        }

        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The Apptuit ApiEndpoint '{SafeUri.Describe(endpoint)}' is not an absolute http or https URI; use e.g. https://api.apptuit.ai.", nameof(endpoint));
        }

        return endpoint;
    }

    /// <summary>The endpoint with its path (a tenant prefix, say), without user info or query.</summary>
    public Uri Endpoint { get; }

    /// <summary>The endpoint as messages show it: no user info, no query.</summary>
    public string ShownEndpoint => SafeUri.Describe(Endpoint);

    public Uri QueryUri => _queryUri;

    public IReadOnlyDictionary<string, string> Headers => _headers;

    /// <summary>Posts <paramref name="points"/> once.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<ApptuitPutResult> PutAsync(IReadOnlyList<ApptuitPoint> points, CancellationToken cancellationToken)
    {
        var body = ApptuitJsonFormat.Write(points);
        HttpTransportResponse response;
        try
        {
            response = await _transport.PostAsync(_putUri, body, "application/json", _encoding, _headers, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException or TimeoutException)
        {
            var what = ex is TaskCanceledException or TimeoutException ? "the request timed out" : "could not reach " + ShownEndpoint + ": " + Scrub(ex.Message);
            return new ApptuitPutResult(ApptuitPutStatus.ConnectionError, null, 0, points.Count, [new ApptuitPointError(Describe(points), what)], ex);
        }

        return Classify(response, points);
    }

    /// <summary>Removes the token from text that may have come back from the server or a transport.</summary>
    public string Scrub(string text) => BearerToken.Scrub(text, _token);

    internal ApptuitPutResult Classify(HttpTransportResponse response, IReadOnlyList<ApptuitPoint> points)
    {
        var status = response.StatusCode;
        var all = Describe(points);
        switch (status)
        {
            case 200 or 204:
                return new ApptuitPutResult(ApptuitPutStatus.Success, status, points.Count, 0, Array.Empty<ApptuitPointError>());
            case 400:
                return ParseDetails(response, points);
            case 413:
                return new ApptuitPutResult(ApptuitPutStatus.TooLarge, status, 0, points.Count,
                    [new ApptuitPointError(all, $"payload too large ({points.Count} points); send fewer points per request")]);
            case 401:
                return new ApptuitPutResult(ApptuitPutStatus.Unauthorized, status, 0, points.Count,
                    [new ApptuitPointError(all, InvalidTokenMessage)]);
            case >= 300 and <= 399:
                return new ApptuitPutResult(ApptuitPutStatus.ClientError, status, 0, points.Count,
                    [new ApptuitPointError(all, RedirectMessage(status, response.Location))]);
            case >= 500 and <= 599:
                return new ApptuitPutResult(ApptuitPutStatus.ServerError, status, 0, points.Count,
                    [new ApptuitPointError(all, "server error " + status.ToString(CultureInfo.InvariantCulture) + BodyExcerpt(response.Body))], RetryAfter: response.RetryAfter);
            default:
                return new ApptuitPutResult(ApptuitPutStatus.ClientError, status, 0, points.Count,
                    [new ApptuitPointError(all, "request rejected with status " + status.ToString(CultureInfo.InvariantCulture) + BodyExcerpt(response.Body))]);
        }
    }

    public void Dispose() => _transport.Dispose();

    // 400 with ?details: {"success":N,"failed":M,"errors":[{"datapoint":{...},"error":"..."}]}.
    private ApptuitPutResult ParseDetails(HttpTransportResponse response, IReadOnlyList<ApptuitPoint> points)
    {
        try
        {
            using var doc = JsonDocument.Parse(response.Body);
            var root = doc.RootElement;
            var success = root.TryGetProperty("success", out var s) && s.TryGetInt64(out var sv) ? sv : 0;
            var failed = root.TryGetProperty("failed", out var f) && f.TryGetInt64(out var fv) ? fv : points.Count - success;
            var errors = new List<ApptuitPointError>();
            if (root.TryGetProperty("errors", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in list.EnumerateArray())
                {
                    var datapoint = item.TryGetProperty("datapoint", out var dp) ? dp.GetRawText() : "(not given)";
                    var error = item.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString()! : item.GetRawText();
                    errors.Add(new ApptuitPointError(Scrub(datapoint), Scrub(error)));
                }
            }

            // Counts that do not add up to the points sent ("success":0,"failed":0 for a whole batch): the points
            // not accounted for may not have been stored, so they count as failed, never as delivered.
            var stored = Math.Clamp(success, 0, points.Count);
            if (Inconsistent(success, failed, points.Count) is { } message)
            {
                errors.Add(new ApptuitPointError(Describe(points), message + BodyExcerpt(response.Body)));
            }
            else if (errors.Count == 0 && failed > 0)
            {
                // A 400 whose JSON is not the details form ({"error":{"message":...}} from a proxy, say): the body is
                // the only reason given, so it goes with the failure.
                errors.Add(new ApptuitPointError(Describe(points), "bad request" + BodyExcerpt(response.Body)));
            }

            return new ApptuitPutResult(ApptuitPutStatus.Partial, 400, stored, points.Count - stored, errors);
        }
        catch (JsonException)
        {
            // Not JSON, or details cut short: counts that came before the cut still say how many points were stored.
            var (success, failed) = ScanCounts(response.Body);
            // Every point the counts do not say were stored is failed (the errors that would say more were cut).
            var stored = Math.Clamp(success ?? 0, 0, points.Count);
            return new ApptuitPutResult(ApptuitPutStatus.Partial, 400, stored, points.Count - stored,
                [new ApptuitPointError(Describe(points), "bad request" + BodyExcerpt(response.Body))]);
        }
    }

    // Why a details answer's counts cannot be taken as they are, or null when they add up to the points sent.
    private static string? Inconsistent(long success, long failed, int count)
    {
        if (success >= 0 && failed >= 0 && success + failed == count)
        {
            return null;
        }

        var counts = "the answer (success " + success.ToString(CultureInfo.InvariantCulture) + ", failed " + failed.ToString(CultureInfo.InvariantCulture) + ")";
        var stored = Math.Clamp(success, 0, count);
        var unaccounted = count - stored - Math.Clamp(failed, 0, count - stored);
        return unaccounted > 0
            ? counts + " did not account for " + unaccounted.ToString(CultureInfo.InvariantCulture) + " of the " + count.ToString(CultureInfo.InvariantCulture) + " points sent; they are counted failed, as they may not have been stored"
            : counts + " does not add up to the " + count.ToString(CultureInfo.InvariantCulture) + " points sent; counted as " + stored.ToString(CultureInfo.InvariantCulture) + " stored and " + (count - stored).ToString(CultureInfo.InvariantCulture) + " failed";
    }

    // The top-level "success" and "failed" numbers of a details answer that may end anywhere.
    private static (long? Success, long? Failed) ScanCounts(string body)
    {
        long? success = null;
        long? failed = null;
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(body), isFinalBlock: false, state: default);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
                {
                    continue;
                }

                var name = reader.GetString();
                if (!reader.Read())
                {
                    break;
                }

                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var n))
                {
                    if (name == "success")
                    {
                        success = n;
                    }
                    else if (name == "failed")
                    {
                        failed = n;
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Malformed from here on: keep what was read.
        }

        return (success, failed);
    }

    /// <summary><c>": " + body</c> without the token and cut at 300 characters, for messages; empty for a blank body.</summary>
    public string BodyExcerpt(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return string.Empty;
        }

        body = Scrub(body.Trim());
        return ": " + (body.Length > 300 ? body[..300] + "..." : body);
    }

    // The datapoint of a whole-request error: the first point, and how many more.
    private static string Describe(IReadOnlyList<ApptuitPoint> points) => points.Count switch
    {
        0 => "(no points)",
        1 => ApptuitJsonFormat.WriteOne(points[0]),
        _ => ApptuitJsonFormat.WriteOne(points[0]) + $" and {points.Count - 1} more",
    };
}
