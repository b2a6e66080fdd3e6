using Metrics.Testing;

namespace Metrics.Reporters.Tests.Tendrl;

/// <summary>Defaults and validation of <see cref="TendrlReporterOptions"/>.</summary>
[NonParallelizable]
public class TendrlReporterOptionsTests
{
    private MetricsRegistry _registry = null!;

    [SetUp]
    public void SetUp() => _registry = new MetricsRegistry(new MetricsOptions { TimeProvider = new ManualTimeProvider() });

    [Test]
    public void Constructor_NoEnvironmentVariable_DefaultsToTheAgentsSocketAndSmallBatches()
    {
        using var _ = new EnvironmentVariable(TendrlReporterOptions.SocketPathVariable, null);

        var options = new TendrlReporterOptions();

        Assert.That(options.SocketPath, Is.EqualTo("/var/lib/tendrl/tendrl_agent.sock"));
        Assert.That(options.Entity, Is.Null);
        Assert.That(options.MessageTags, Is.Empty);
        Assert.That(options.WaitForResponse, Is.False);
        Assert.That(options.BatchSize, Is.EqualTo(100));
        Assert.That(options.ConnectTimeout, Is.EqualTo(TimeSpan.FromSeconds(5)));
        Assert.That(options.RequestTimeout, Is.EqualTo(TimeSpan.FromSeconds(30)));
    }

    [Test]
    public void Constructor_TendrlSocketSet_SocketPathFromTheEnvironment()
    {
        using var _ = new EnvironmentVariable("TENDRL_SOCKET", "/run/tendrl/agent.sock");

        Assert.That(new TendrlReporterOptions().SocketPath, Is.EqualTo("/run/tendrl/agent.sock"));
    }

    [Test]
    public void Constructor_TendrlSocketBlank_DefaultSocketPath()
    {
        using var _ = new EnvironmentVariable("TENDRL_SOCKET", "  ");

        Assert.That(new TendrlReporterOptions().SocketPath, Is.EqualTo(TendrlReporterOptions.DefaultSocketPath));
    }

    [Test]
    public void Reporter_ElevenMessageTags_FailsNamingTheOptionAndTheLimit()
    {
        var options = Options(o => o.MessageTags = Enumerable.Range(0, 11).Select(i => "t" + i).ToArray());

        var ex = Assert.Throws<ArgumentException>(() => new TendrlReporter(_registry, options));

        Assert.That(ex!.Message, Does.StartWith("MessageTags has 11 tags; the Tendrl agent rejects messages with more than 10: keep at most 10"));
    }

    [Test]
    public void Reporter_TenMessageTags_Accepted()
    {
        using var reporter = new TendrlReporter(_registry, Options(o => o.MessageTags = Enumerable.Range(0, 10).Select(i => "t" + i).ToArray()));

        Assert.That(reporter.Name, Is.EqualTo("tendrl"));
    }

    [TestCase("")]
    [TestCase("  ")]
    public void Reporter_BlankMessageTag_FailsNamingItsPosition(string tag)
    {
        var ex = Assert.Throws<ArgumentException>(() => new TendrlReporter(_registry, Options(o => o.MessageTags = ["ok", tag])));

        Assert.That(ex!.Message, Does.StartWith("MessageTags[1] is empty or blank"));
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase(" ")]
    public void Reporter_NoSocketPath_FailsSayingWhatToGive(string? path)
    {
        var ex = Assert.Throws<ArgumentException>(() => new TendrlReporter(_registry, Options(o => o.SocketPath = path!)));

        Assert.That(ex!.Message, Does.StartWith("SocketPath is required: give the Tendrl agent's Unix socket").And.Contain("TENDRL_SOCKET"));
    }

    [Test]
    public void Reporter_SocketPathTooLong_FailsNamingTheOption()
    {
        var ex = Assert.Throws<ArgumentException>(() => new TendrlReporter(_registry, Options(o => o.SocketPath = "/tmp/" + new string('s', 300) + ".sock")));

        Assert.That(ex!.Message, Does.StartWith("SocketPath '/tmp/sss").And.Contain("is 310 bytes long").And.Contain("give a shorter path"));
    }

    [Test]
    public void Reporter_SocketPathOfTheMostBytesLinuxAllows_Accepted()
    {
        Assume.That(OperatingSystem.IsLinux(), "sun_path holds 107 bytes and a terminating zero on Linux");
        var path = "/tmp/" + new string('s', 102);

        using var reporter = new TendrlReporter(_registry, Options(o => o.SocketPath = path));

        Assert.That(reporter.Name, Is.EqualTo("tendrl"));
    }

    [Test]
    public void Reporter_SocketPathOneByteTooLong_FailsWithItsLengthTheLimitAndWhatToDo()
    {
        Assume.That(OperatingSystem.IsLinux(), "sun_path holds 107 bytes and a terminating zero on Linux");

        // 54 two-byte characters: 113 bytes, though only 59 characters.
        var path = "/tmp/" + new string('\u00e9', 54);
        var ex = Assert.Throws<ArgumentException>(() => new TendrlReporter(_registry, Options(o => o.SocketPath = path)));

        Assert.That(ex!.Message, Does.StartWith($"SocketPath '{path}' is 113 bytes long (UTF-8), but a Unix socket path holds at most 107 bytes here"));
        Assert.That(ex.Message, Does.Contain("TENDRL_SOCKET"));
        Assert.That(ex.Message.Split(path), Has.Length.EqualTo(2), "the path is quoted once");
    }

    [Test]
    public void Reporter_BlankEntity_Fails()
    {
        var ex = Assert.Throws<ArgumentException>(() => new TendrlReporter(_registry, Options(o => o.Entity = " ")));

        Assert.That(ex!.Message, Does.StartWith("Entity is blank"));
    }

    [Test]
    public void Reporter_ZeroRequestTimeout_FailsNamingTheOption()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new TendrlReporter(_registry, Options(o => o.RequestTimeout = TimeSpan.Zero)));

        Assert.That(ex!.Message, Does.StartWith("RequestTimeout must be positive and at most 49 days (was 00:00:00)"));
    }

    [Test]
    public void Reporter_ValidOptions_DoesNotConnectUntilItSends()
    {
        using var reporter = new TendrlReporter(_registry, Options(o => o.SocketPath = "/nonexistent/agent.sock"));

        Assert.That(reporter.Backend.Transport.Connects, Is.Zero);
    }

    private static TendrlReporterOptions Options(Action<TendrlReporterOptions> configure)
    {
        var options = new TendrlReporterOptions { SocketPath = "/tmp/tendrl-test.sock", ErrorHandler = _ => { } };
        configure(options);
        return options;
    }

    /// <summary>Sets an environment variable for the test and restores it after.</summary>
    private sealed class EnvironmentVariable : IDisposable
    {
        private readonly string _name;
        private readonly string? _saved;

        public EnvironmentVariable(string name, string? value)
        {
            _name = name;
            _saved = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, value);
        }

        public void Dispose() => Environment.SetEnvironmentVariable(_name, _saved);
    }
}
