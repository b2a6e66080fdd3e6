using Metrics.Reporters.Apptuit;
using Metrics.Reporters.Transports;

namespace Metrics.Reporters.Tests.Apptuit;

[TestFixture]
public sealed class ApptuitApiTests
{
    private const string Token = "api-token-0d9e";

    private static readonly ApptuitPoint[] TwoPoints =
    [
        new("a", new Tags(("host", "h")), 1, 1),
        new("b", new Tags(("host", "h")), 1, 2),
    ];

    private static ApptuitApi Api() => new(new HttpTransport(TimeSpan.FromSeconds(5)), new Uri("http://127.0.0.1:1"), Token, useGzip: false);

    [Test]
    public void Classify_400WithoutDetailsJson_FailsEveryPointWithTheBody()
    {
        using var api = Api();
        var result = api.Classify(new HttpTransportResponse(400, "<html>Bad Request</html>"), TwoPoints);
        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(ApptuitPutStatus.Partial));
            Assert.That(result.Succeeded, Is.Zero);
            Assert.That(result.Failed, Is.EqualTo(2));
            Assert.That(result.Errors.Single().ToString(), Does.StartWith("bad request: <html>Bad Request</html> error occurred in the datapoint {\"metric\":\"a\"").And.EndWith(" and 1 more"));
        });
    }

    [Test]
    public void Classify_400WithJsonThatIsNotTheDetailsForm_KeepsTheServersMessage()
    {
        using var api = Api();
        var result = api.Classify(new HttpTransportResponse(400, """{"error":{"code":400,"message":"Unexpected character at position 0"}}"""), TwoPoints);
        Assert.Multiple(() =>
        {
            Assert.That(result.Failed, Is.EqualTo(2));
            Assert.That(result.Errors.Single().ToString(), Does.Contain("Unexpected character at position 0"));
        });
    }

    [Test]
    public void Classify_400WithDetails_TakesCountsAndErrorsFromTheBody()
    {
        using var api = Api();
        var result = api.Classify(new HttpTransportResponse(400, """{"success":1,"failed":1,"errors":[{"datapoint":{"metric":"b"},"error":"Invalid value"}]}"""), TwoPoints);
        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.EqualTo(1));
            Assert.That(result.Failed, Is.EqualTo(1));
            Assert.That(result.Errors.Single(), Is.EqualTo(new ApptuitPointError("{\"metric\":\"b\"}", "Invalid value")));
        });
    }

    [Test]
    public void Classify_400WithDetailsCutShort_TakesTheCountsGivenBeforeTheCut()
    {
        using var api = Api();
        var points = Enumerable.Range(0, 10).Select(i => new ApptuitPoint("m", new Tags(("host", "h")), 1, i)).ToArray();

        var result = api.Classify(new HttpTransportResponse(400, """{"success":4,"failed":6,"errors":[{"datapoint":{"metric":"m","value":4.0},"error":"Invalid value"},{"datapoint":{"met"""), points);

        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(ApptuitPutStatus.Partial));
            Assert.That(result.Succeeded, Is.EqualTo(4));
            Assert.That(result.Failed, Is.EqualTo(6));
            Assert.That(result.Errors.Single().Error, Does.StartWith("bad request: {\"success\":4"));
        });
    }

    [Test]
    public void Classify_400WithDetailsCutBeforeTheCounts_FailsEveryPoint()
    {
        using var api = Api();

        var result = api.Classify(new HttpTransportResponse(400, """{"errors":[{"datapoint":{"metric":"a"},"error":"Invalid value"},{"datapo"""), TwoPoints);

        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.Zero);
            Assert.That(result.Failed, Is.EqualTo(2));
        });
    }

    [TestCase("""{"success":0,"failed":0,"errors":[]}""", 2)]
    [TestCase("""{"success":1,"failed":0,"errors":[]}""", 1)]
    [TestCase("""{"success":-3,"failed":1}""", 1)]
    public void Classify_400WhoseCountsMissPoints_CountsThemFailedSayingSo(string body, int unaccounted)
    {
        using var api = Api();

        var result = api.Classify(new HttpTransportResponse(400, body), TwoPoints);

        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(ApptuitPutStatus.Partial));
            Assert.That(result.Succeeded + result.Failed, Is.EqualTo(2), "every point sent is either stored or failed");
            Assert.That(result.Failed, Is.GreaterThanOrEqualTo(unaccounted));
            Assert.That(result.Errors.Select(e => e.Error), Has.Some.Contain($"did not account for {unaccounted} of the 2 points sent"));
        });
    }

    [Test]
    public void Classify_400WhoseCountsExceedThePointsSent_CountsEachPointOnce()
    {
        using var api = Api();

        var result = api.Classify(new HttpTransportResponse(400, """{"success":2,"failed":3}"""), TwoPoints);

        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.EqualTo(2));
            Assert.That(result.Failed, Is.Zero);
            Assert.That(result.Errors.Single().Error, Does.StartWith("the answer (success 2, failed 3) does not add up to the 2 points sent"));
        });
    }

    [Test]
    public void Classify_400WithDetailsCutShortWhoseCountsMissPoints_CountsThemFailed()
    {
        using var api = Api();

        var result = api.Classify(new HttpTransportResponse(400, """{"success":0,"failed":0,"errors":[{"datap"""), TwoPoints);

        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.Zero);
            Assert.That(result.Failed, Is.EqualTo(2));
        });
    }

    [Test]
    public void Endpoint_WithPathUserInfoAndQuery_KeepsThePathOnly()
    {
        using var api = new ApptuitApi(new HttpTransport(TimeSpan.FromSeconds(5)), new Uri("https://user:pw@apptuit.example/tenant-a/v1?region=eu"), Token, useGzip: false);

        Assert.Multiple(() =>
        {
            Assert.That(api.Endpoint, Is.EqualTo(new Uri("https://apptuit.example/tenant-a/v1/")));
            Assert.That(api.ShownEndpoint, Is.EqualTo("https://apptuit.example/tenant-a/v1/"));
        });
    }

    [Test]
    public void Classify_ServerErrorBodyEchoingToken_NeverShowsToken()
    {
        using var api = Api();
        var result = api.Classify(new HttpTransportResponse(500, "upstream rejected Bearer " + Token, TimeSpan.FromSeconds(3)), TwoPoints);
        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(ApptuitPutStatus.ServerError));
            Assert.That(result.IsRetryable, Is.True);
            Assert.That(result.RetryAfter, Is.EqualTo(TimeSpan.FromSeconds(3)));
            Assert.That(result.Errors.Single().Error, Does.StartWith("server error 500: upstream rejected Bearer ***").And.Not.Contain(Token));
        });
    }

    [TestCase(200, "Success")]
    [TestCase(204, "Success")]
    [TestCase(401, "Unauthorized")]
    [TestCase(403, "ClientError")]
    [TestCase(413, "TooLarge")]
    [TestCase(503, "ServerError")]
    public void Classify_Status_MapsAsProtocolSays(int status, string expected)
    {
        using var api = Api();
        var result = api.Classify(new HttpTransportResponse(status, string.Empty), TwoPoints);
        Assert.Multiple(() =>
        {
            Assert.That(result.Status.ToString(), Is.EqualTo(expected));
            Assert.That(result.IsRetryable, Is.EqualTo(status >= 500));
            Assert.That(result.Succeeded + result.Failed, Is.EqualTo(2));
        });
    }
}
