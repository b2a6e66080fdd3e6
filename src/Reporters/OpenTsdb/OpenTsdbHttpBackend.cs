using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Metrics.Reporters.Engine;
using Metrics.Reporters.Transports;

namespace Metrics.Reporters.OpenTsdb;

/// <summary>
/// Sends batches to <c>POST /api/put?details</c> as a gzip JSON array. 200/204: stored. 400 with the details body:
/// only the points it lists failed (nothing is resent). 413: too large (the engine splits). 408, 429, 5xx and
/// connection errors: transient. Other answers, and bodies that are not what OpenTSDB sends, fail the batch with
/// the body's first bytes in the message.
/// </summary>
internal sealed class OpenTsdbHttpBackend : IReportBackend
{
    private const int MaxBodyExcerpt = 200;
    private const int MaxErrors = 100;

    private readonly IHttpTransport _transport;
    private readonly OpenTsdbFormat _format;
    private readonly OpenTsdbSendBuffer _buffers = new();
    private readonly Uri _putUri;
    private readonly HttpContentEncoding _encoding;

    public OpenTsdbHttpBackend(IHttpTransport transport, Uri endpoint, OpenTsdbFormat format, bool gzip)
    {
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(format);
        _transport = transport;
        _format = format;
        _encoding = gzip ? HttpContentEncoding.Gzip : HttpContentEncoding.None;
        _putUri = PutUri(endpoint);
    }

    public string Name => "opentsdb";

    /// <summary>The URI posted to: the endpoint's path followed by <c>/api/put?details</c>, then the endpoint's query, if any.</summary>
    public Uri PutAddress => _putUri;

    public string? Validate(in DataPoint point) => _format.Validate(point, telnet: false);

    public ValueTask<SendResult> SendAsync(IReadOnlyList<DataPoint> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return _buffers.UseAsync(
            batch.Count * 128,
            (Backend: this, Batch: batch, Token: cancellationToken),
            static (s, buffer) => s.Backend.SendAsync(s.Batch, buffer, s.Token));
    }

    private async ValueTask<SendResult> SendAsync(IReadOnlyList<DataPoint> batch, ArrayBufferWriter<byte> buffer, CancellationToken cancellationToken)
    {
        var localErrors = new List<string>();
        var written = _format.WriteJson(buffer, batch, localErrors);
        if (written == 0)
        {
            return batch.Count == 0
                ? SendResult.Ok(0)
                : new SendResult(SendOutcome.Permanent, 0, localErrors.Count, localErrors);
        }

        HttpTransportResponse response;
        try
        {
            response = await _transport.PostAsync(_putUri, buffer.WrittenMemory, "application/json", _encoding, null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var what = ex is OperationCanceledException ? "timed out" : ex.Message;
            return WithLocal(SendResult.Transient(written, $"POST {_putUri.AbsolutePath} to OpenTSDB failed: {what}", exception: ex), localErrors);
        }

        return WithLocal(Classify(response, written), localErrors);
    }

    public ValueTask DisposeAsync()
    {
        _transport.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>What an answer to a put of <paramref name="sent"/> points means.</summary>
    internal static SendResult Classify(HttpTransportResponse response, int sent)
    {
        var status = response.StatusCode;
        var body = response.Body ?? string.Empty;
        switch (status)
        {
            case 204:
                return SendResult.Ok(sent, status);
            case >= 200 and < 300:
                if (string.IsNullOrWhiteSpace(body))
                {
                    return SendResult.Ok(sent, status);
                }

                if (TryParseDetails(body, out var ok, out var failed, out var errors))
                {
                    return failed == 0 ? SendResult.Ok(sent, status) : Details(ok, failed, errors, status);
                }

                return SendResult.Permanent(sent, $"OpenTSDB answered {status} with a body that is not the /api/put details: {Excerpt(body)}", status);
            case 400:
                if (TryParseDetails(body, out ok, out failed, out errors) && failed > 0)
                {
                    return Details(ok, failed, errors, status);
                }

                return SendResult.Permanent(sent, $"OpenTSDB rejected the request (400): {ErrorMessage(body)}", status);
            case 413:
                return new SendResult(SendOutcome.TooLarge, 0, sent, [$"OpenTSDB answered 413: the request of {sent} points is too large."], status);
            case 408 or 429 or >= 500:
                return SendResult.Transient(sent, $"OpenTSDB answered {status}: {ErrorMessage(body)}", status, retryAfter: response.RetryAfter);
            case >= 300 and < 400:
                return SendResult.Permanent(
                    sent,
                    $"OpenTSDB answered {status}, a redirect, which is not followed (it would resend the points without their body); the points were dropped. Set the endpoint to the address it redirects to (https rather than http?)",
                    status);
            default:
                return SendResult.Permanent(sent, $"OpenTSDB answered {status}: {ErrorMessage(body)}", status);
        }
    }

    // The server stored the rest: only the listed points failed and nothing is resent.
    private static SendResult Details(long ok, long failed, IReadOnlyList<string> errors, int status) =>
        new(ok > 0 ? SendOutcome.PartialFailure : SendOutcome.Permanent, ok, failed, errors, status);

    /// <summary>Reads <c>{"success":N,"failed":M,"errors":[{"datapoint":{..},"error":".."}]}</c>.</summary>
    internal static bool TryParseDetails(string body, out long success, out long failed, out IReadOnlyList<string> errors)
    {
        success = failed = 0;
        errors = Array.Empty<string>();
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("success", out var s) || !s.TryGetInt64(out success)
                || !root.TryGetProperty("failed", out var f) || !f.TryGetInt64(out failed))
            {
                return false;
            }

            var list = new List<string>();
            if (root.TryGetProperty("errors", out var errs) && errs.ValueKind == JsonValueKind.Array)
            {
                foreach (var e in errs.EnumerateArray())
                {
                    if (list.Count == MaxErrors)
                    {
                        list.Add(string.Create(CultureInfo.InvariantCulture, $"... and {errs.GetArrayLength() - MaxErrors} more"));
                        break;
                    }

                    list.Add(DescribeError(e));
                }
            }

            if (list.Count == 0 && failed > 0)
            {
                list.Add(string.Create(CultureInfo.InvariantCulture, $"{failed} point(s) failed; OpenTSDB gave no details."));
            }

            errors = list;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string DescribeError(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            return Excerpt(e.GetRawText());
        }

        var message = e.TryGetProperty("error", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : "failed";
        if (!e.TryGetProperty("datapoint", out var dp) || dp.ValueKind != JsonValueKind.Object)
        {
            return message ?? "failed";
        }

        var metric = dp.TryGetProperty("metric", out var n) ? n.ToString() : "?";
        var ts = dp.TryGetProperty("timestamp", out var t) ? t.ToString() : "?";
        var value = dp.TryGetProperty("value", out var v) ? v.ToString() : "?";
        var tags = dp.TryGetProperty("tags", out var tg) && tg.ValueKind == JsonValueKind.Object
            ? string.Join(' ', tg.EnumerateObject().Select(p => p.Name + "=" + p.Value.ToString()))
            : string.Empty;
        return $"{message}: {metric} {ts} {value} {tags}".TrimEnd();
    }

    // OpenTSDB's error envelope is {"error":{"code":400,"message":"..."}}; anything else is shown as it came.
    private static string ErrorMessage(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return "(empty body)";
        }

        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("message", out var message)
                && message.ValueKind == JsonValueKind.String)
            {
                return Clip(message.GetString() ?? string.Empty);
            }
        }
        catch (JsonException)
        {
        }

        return Excerpt(body);
    }

    private static string Excerpt(string body) => "'" + Clip(body) + "'";

    // A server can answer with megabytes: messages carry the first MaxBodyExcerpt characters, on one line.
    private static string Clip(string text) =>
        (text.Length > MaxBodyExcerpt ? text[..MaxBodyExcerpt] + "..." : text).ReplaceLineEndings(" ");

    private static SendResult WithLocal(SendResult result, List<string> localErrors)
    {
        if (localErrors.Count == 0)
        {
            return result;
        }

        var errors = localErrors.Concat(result.Errors).ToArray();
        var outcome = result.Outcome == SendOutcome.Success ? SendOutcome.PartialFailure : result.Outcome;
        return result with { Outcome = outcome, Failed = result.Failed + localErrors.Count, Errors = errors };
    }

    // A query the endpoint carries (a gateway's key, say) is sent after details.
    private static Uri PutUri(Uri endpoint) => SafeUri.Below(endpoint, "api/put", "details");
}
