using System.Net;
using System.Text;
using Metrics.Reporters.Apptuit;

namespace Metrics.Reporters.Tests.Apptuit;

/// <summary>QueryAsync over answers of the shapes Apptuit's query service gives, served by a canned handler.</summary>
[TestFixture]
public sealed class ApptuitQueryTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeSeconds(1_406_831_400);
    private static readonly DateTimeOffset End = DateTimeOffset.FromUnixTimeSeconds(1_406_838_600);

    private static ApptuitClient Client(string answer, HttpStatusCode status = HttpStatusCode.OK) =>
        new(
            new ApptuitClientOptions { Token = "query-token", ApiEndpoint = new Uri("http://127.0.0.1:1") },
            transport: null,
            new CannedHandler(status, answer),
            new ApptuitEnvironment(_ => null),
            (_, _) => Task.CompletedTask,
            new Random(1));

    private static string Answer(string dps) =>
        $$"""{"outputs":[{"id":"rides","result":[{"metric":"nyc.taxi.rides","tags":{"host":"localhost"},"aggregatedTags":[],"dps":{{dps}}}]}],"hints":[]}""";

    [Test]
    public async Task QueryAsync_DownsampledBucketBeforeStartAndPointsAfterEnd_AreLeftOutAsApptuitPyDoes()
    {
        // The query service answers a downsampled query with the bucket that holds the start, which begins before it.
        using var client = Client(Answer("[[1406829600,23050.0],[1406831400,20138.0],[1406835000,14103.0],[1406838600,10859.0],[1406840400,7122.0]]"));

        var series = (await client.QueryAsync("fetch('nyc.taxi.rides').downsample('30m', 'sum')", Start, End))["rides"].Series.Single();

        Assert.Multiple(() =>
        {
            Assert.That(series.Timestamps, Is.EqualTo(new long[] { 1406831400, 1406835000, 1406838600 }), "from start to end, both included");
            Assert.That(series.Values, Is.EqualTo(new[] { 20138.0, 14103.0, 10859.0 }));
        });
    }

    [Test]
    public async Task QueryAsync_NoEnd_KeepsEveryPointFromStart()
    {
        using var client = Client(Answer("[[1406829600,1.0],[1406831400,2.0],[1506831400,3.0]]"));

        var series = (await client.QueryAsync("fetch('nyc.taxi.rides')", Start))[0].Series.Single();

        Assert.That(series.Values, Is.EqualTo(new[] { 2.0, 3.0 }));
    }

    [Test]
    public async Task QueryAsync_NullAndNaNValues_AreNaN()
    {
        using var client = Client(Answer("""[[1406831400,null],[1406833200,"NaN"],[1406835000,1.5]]"""));

        var series = (await client.QueryAsync("fetch('nyc.taxi.rides')", Start, End))[0].Series.Single();

        Assert.Multiple(() =>
        {
            Assert.That(series.Timestamps, Is.EqualTo(new long[] { 1406831400, 1406833200, 1406835000 }));
            Assert.That(series.Values[0], Is.NaN);
            Assert.That(series.Values[1], Is.NaN);
            Assert.That(series.Values[2], Is.EqualTo(1.5));
        });
    }

    [Test]
    public async Task QueryAsync_EmptyOutputsAndResults_GiveEmptyResults()
    {
        using var none = Client("""{"outputs":[]}""");
        using var empty = Client("""{"outputs":[{"id":"cpu","result":[]}]}""");

        var noOutputs = await none.QueryAsync("fetch('x')", Start);
        var noSeries = await empty.QueryAsync("fetch('cpu')", Start);

        Assert.Multiple(() =>
        {
            Assert.That(noOutputs.Outputs, Is.Empty);
            Assert.That(noSeries["cpu"].Series, Is.Empty);
        });
    }

    [TestCase("[[1406831400]]", "[1406831400]")]
    [TestCase("[1406831400, 2.0]", "1406831400")]
    [TestCase("""[["1406831400", 2.0]]""", "[\"1406831400\", 2.0]")]
    public void QueryAsync_PointNotATimestampValuePair_ThrowsApptuitExceptionQuotingIt(string dps, string shown)
    {
        using var client = Client(Answer(dps));

        var ex = Assert.ThrowsAsync<ApptuitException>(() => client.QueryAsync("fetch('nyc.taxi.rides')", Start, End));

        Assert.That(ex!.Message, Does.Contain($"a point of series 'nyc.taxi.rides' is {shown}, not [timestamp, value]"));
    }

    [Test]
    public void QueryAsync_PointsNotAList_ThrowsApptuitExceptionInsteadOfAnEmptySeries()
    {
        using var client = Client(Answer("""{"1406831400": 2.0}"""));

        var ex = Assert.ThrowsAsync<ApptuitException>(() => client.QueryAsync("fetch('nyc.taxi.rides')", Start, End));

        Assert.That(ex!.Message, Does.Contain("the points of series 'nyc.taxi.rides' are not a list of [timestamp, value] pairs"));
    }

    private sealed class CannedHandler(HttpStatusCode status, string body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
    }
}
