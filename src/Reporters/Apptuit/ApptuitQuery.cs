using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Metrics.Reporters.Transports;

namespace Metrics.Reporters.Apptuit;

/// <summary>
/// <c>GET /api/query?start=S[&amp;end=E]&amp;q=QUERY</c> and its answer,
/// <c>{"outputs":[{"id":..,"result":[{"metric":..,"tags":{..},"dps":[[ts,value],..]}]}]}</c>.
/// </summary>
internal sealed class ApptuitQuery : IDisposable
{
    private readonly ApptuitApi _api;
    private readonly HttpClient _http;

    public ApptuitQuery(ApptuitApi api, HttpMessageHandler? handler, TimeSpan timeout)
    {
        _api = api;
        _http = new HttpClient(handler ?? HttpTransport.DefaultHandler(), disposeHandler: true)
        {
            Timeout = timeout,
        };
    }

    public static string QueryString(string query, DateTimeOffset start, DateTimeOffset? end)
    {
        var s = "?start=" + start.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        if (end is { } e)
        {
            s += "&end=" + e.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        }

        return s + "&q=" + Uri.EscapeDataString(query);
    }

    /// <exception cref="TransientQueryException">5xx or no answer: worth retrying.</exception>
    /// <exception cref="ApptuitException">Any other failure.</exception>
    public async Task<ApptuitQueryResult> RunAsync(string query, DateTimeOffset start, DateTimeOffset? end, CancellationToken cancellationToken)
    {
        // QueryString starts with '?'; after a query the endpoint carries it goes on with '&'.
        var parameters = QueryString(query, start, end);
        var address = _api.QueryUri.Query.Length > 0 ? _api.QueryUri + "&" + parameters[1..] : _api.QueryUri + parameters;
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(address));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _api.Headers["Authorization"]["Bearer ".Length..]);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        string body;
        int status;
        Uri? location;
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            status = (int)response.StatusCode;
            location = response.Headers.Location is { } l ? (l.IsAbsoluteUri ? l : new Uri(request.RequestUri!, l)) : null;
            body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
        {
            var what = ex is TaskCanceledException ? "timed out" : "could not reach " + _api.ShownEndpoint + ": " + _api.Scrub(ex.Message);
            throw new TransientQueryException($"The Apptuit query {what}.", null, ex);
        }

        if (status is >= 500 and <= 599)
        {
            throw new TransientQueryException($"The Apptuit query failed with server error {status}{_api.BodyExcerpt(body)}.", status, null);
        }

        if (status is >= 300 and <= 399)
        {
            throw new ApptuitException("The Apptuit query failed: " + ApptuitApi.RedirectMessage(status, location) + ".", status);
        }

        if (status == 401)
        {
            throw new ApptuitException("The Apptuit query failed: " + ApptuitApi.InvalidTokenMessage + ".", status);
        }

        if (status is < 200 or > 299)
        {
            throw new ApptuitException($"The Apptuit query failed with status {status}{_api.BodyExcerpt(body)}.", status);
        }

        try
        {
            return Parse(body, start, end);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or ArgumentException)
        {
            throw new ApptuitException($"The Apptuit query answer could not be read ({ex.Message}){_api.BodyExcerpt(body)}.", status, ex);
        }
    }

    /// <summary>
    /// Reads an answer. As apptuit-py, points outside the queried range (a downsampling bucket that starts before
    /// <paramref name="start"/>, say) are left out: a point is kept from <paramref name="start"/> to
    /// <paramref name="end"/> inclusive, in whole seconds.
    /// </summary>
    /// <exception cref="FormatException">A series or point is not of the documented form.</exception>
    public static ApptuitQueryResult Parse(string json, DateTimeOffset start, DateTimeOffset? end)
    {
        var from = start.ToUnixTimeSeconds();
        var to = end?.ToUnixTimeSeconds() ?? long.MaxValue;
        using var doc = JsonDocument.Parse(json);
        var outputs = new List<ApptuitQueryOutput>();
        if (doc.RootElement.TryGetProperty("outputs", out var outs) && outs.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var output in outs.EnumerateArray())
            {
                var id = output.TryGetProperty("id", out var idEl) && idEl.ValueKind == JsonValueKind.String
                    ? idEl.GetString()!
                    : index.ToString(CultureInfo.InvariantCulture);
                var series = new List<TimeSeries>();
                if (output.TryGetProperty("result", out var results) && results.ValueKind == JsonValueKind.Array)
                {
                    foreach (var result in results.EnumerateArray())
                    {
                        series.Add(ReadSeries(result, from, to));
                    }
                }

                outputs.Add(new ApptuitQueryOutput(id, series));
                index++;
            }
        }

        return new ApptuitQueryResult(start, end, outputs);
    }

    public void Dispose() => _http.Dispose();

    private static TimeSeries ReadSeries(JsonElement result, long from, long to)
    {
        if (result.ValueKind != JsonValueKind.Object
            || !result.TryGetProperty("metric", out var metric)
            || metric.ValueKind != JsonValueKind.String
            || string.IsNullOrEmpty(metric.GetString()))
        {
            throw new FormatException("a series has no metric name");
        }

        var name = metric.GetString()!;
        var tags = new List<KeyValuePair<string, string>>();
        if (result.TryGetProperty("tags", out var tagsEl) && tagsEl.ValueKind == JsonValueKind.Object)
        {
            foreach (var tag in tagsEl.EnumerateObject())
            {
                tags.Add(new(tag.Name, tag.Value.ValueKind == JsonValueKind.String ? tag.Value.GetString()! : tag.Value.GetRawText()));
            }
        }

        var series = new TimeSeries(name, new Tags(tags));
        if (!result.TryGetProperty("dps", out var dps) || dps.ValueKind == JsonValueKind.Null)
        {
            return series;
        }

        if (dps.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"the points of series '{name}' are not a list of [timestamp, value] pairs");
        }

        foreach (var dp in dps.EnumerateArray())
        {
            if (dp.ValueKind != JsonValueKind.Array || dp.GetArrayLength() < 2 || dp[0].ValueKind != JsonValueKind.Number)
            {
                throw new FormatException($"a point of series '{name}' is {Cut(dp.GetRawText())}, not [timestamp, value]");
            }

            var ts = dp[0].TryGetInt64(out var whole) ? whole : (long)dp[0].GetDouble();
            if (ts < from || ts > to)
            {
                continue;
            }

            var value = dp[1].ValueKind == JsonValueKind.Number ? dp[1].GetDouble() : double.NaN;
            series.AddPoint(ts, value);
        }

        return series;
    }

    private static string Cut(string text) => text.Length > 60 ? text[..60] + "..." : text;

    /// <summary>A failure worth retrying.</summary>
    internal sealed class TransientQueryException(string message, int? statusCode, Exception? inner) : Exception(message, inner)
    {
        public int? StatusCode { get; } = statusCode;
    }
}
