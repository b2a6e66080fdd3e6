using Metrics.Reporters.Apptuit;
using Metrics.Reporters.Transports;

namespace Metrics.Reporters.Tests.Transports;

/// <summary>Credentials in an address (user:password@, ?token=) and tokens a server echoes never reach what users read.</summary>
public class SecretsInAddressesTests
{
    private const string Secret = "S3CRETxyz";

    [TestCase("http://user:S3CRETxyz@api.example:8080/api/put?token=S3CRETxyz#frag", "http://api.example:8080/api/put")]
    [TestCase("https://api.example/", "https://api.example/")]
    public void Describe_AbsoluteAddress_KeepsSchemeHostPortAndPathOnly(string address, string shown) =>
        Assert.That(SafeUri.Describe(new Uri(address)), Is.EqualTo(shown));

    [TestCase("http://user:S3CRETxyz@127.0.0.1:99999/x?token=S3CRETxyz", "http://***@127.0.0.1:99999/x?***")]
    [TestCase("tcp://host:4242", "tcp://host:4242")]
    public void Describe_TextThatIsNoAddress_MasksUserInfoAndQuery(string text, string shown) =>
        Assert.That(SafeUri.Describe(text), Is.EqualTo(shown));

    [Test]
    public async Task ApptuitSend_EndpointUnreachable_FailureShowsNoUserInfo()
    {
        var port = Metrics.Testing.HttpTestServer.FreePort();
        using var api = new ApptuitApi(new HttpTransport(TimeSpan.FromSeconds(5)), new Uri($"http://user:{Secret}@127.0.0.1:{port}/"), "token-1", useGzip: false);

        var result = await api.PutAsync([new ApptuitPoint("m", new Tags(("k", "v")), 1, 1)], CancellationToken.None);

        Assert.That(string.Join(" ", result.Errors), Does.Contain($"could not reach http://127.0.0.1:{port}/").And.Not.Contain(Secret));
    }

    [Test]
    public void ApptuitOptionsAndClient_ToString_ShowNoUserInfoOrQuery()
    {
        var endpoint = new Uri($"https://user:{Secret}@api.example/?token={Secret}");
        Assert.Multiple(() =>
        {
            Assert.That(new ApptuitClientOptions { ApiEndpoint = endpoint, Token = "t" }.ToString(), Does.Not.Contain(Secret).And.Contain("https://api.example/"));
            Assert.That(new ApptuitReporterOptions { ApiEndpoint = endpoint, Token = "t" }.ToString(), Does.Not.Contain(Secret).And.Contain("https://api.example/"));
        });
    }

    [TestCase("http://user:S3CRETxyz@127.0.0.1:0/")]
    [TestCase("http://127.0.0.1:0/?token=S3CRETxyz")]
    public void OpenTsdbEndpoint_Invalid_MessageShowsNoCredentials(string endpoint)
    {
        var ex = Assert.Throws<ArgumentException>(() => new OpenTsdbClient(new OpenTsdbClientOptions { Endpoint = new Uri(endpoint) }));

        Assert.That(ex!.Message, Does.Contain("port 0").And.Not.Contain(Secret));
    }

    [TestCase("S3CRET+abc/def=", "{\"error\":\"bad token S3CRET+abc\\/def=\"}")]
    [TestCase("S3CRET+abc/def=", "{\"error\":\"bad token S3CRET\\u002Babc/def=\"}")]
    [TestCase("S3CRET+abc/def=", "token=S3CRET%2Babc%2Fdef%3D")]
    public void Scrub_TokenEchoedEscaped_IsReplaced(string token, string body) =>
        Assert.That(BearerToken.Scrub(body, token), Does.Not.Contain("S3CRET").And.Contain("***"));
}
