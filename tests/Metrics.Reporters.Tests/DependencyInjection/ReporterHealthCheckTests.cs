using Metrics.Reporters.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Metrics.Reporters.Tests.DependencyInjection;

public class ReporterHealthCheckTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan After = TimeSpan.FromMinutes(5);

    private static ReporterStatus Running(int failures = 0, int depth = 0, int capacity = 1000, DateTimeOffset? lastSuccess = null) => new()
    {
        Name = "opentsdb",
        Running = true,
        ConsecutiveFailures = failures,
        QueueDepth = depth,
        QueueCapacity = capacity,
        LastSuccess = lastSuccess,
        LastFailure = failures > 0 ? Now : null,
    };

    [Test]
    public void Evaluate_RecentSuccessNothingPending_Healthy()
    {
        var (status, _) = ReporterHealthCheck.Evaluate(Running(lastSuccess: Now.AddSeconds(-10)), Now.AddHours(-1), null, Now, After);

        Assert.That(status, Is.EqualTo(HealthStatus.Healthy));
    }

    [Test]
    public void Evaluate_IdleForLongWithNothingToSend_StaysHealthy()
    {
        var (status, _) = ReporterHealthCheck.Evaluate(Running(lastSuccess: Now.AddHours(-2)), Now.AddHours(-3), null, Now, After);

        Assert.That(status, Is.EqualTo(HealthStatus.Healthy));
    }

    [Test]
    public void Evaluate_SendInFlightLongerThanLimit_UnhealthySayingSo()
    {
        var (status, reason) = ReporterHealthCheck.Evaluate(Running(lastSuccess: Now.AddMinutes(-6)), Now.AddHours(-1), null, Now, After, inFlight: 120);

        Assert.That(status, Is.EqualTo(HealthStatus.Unhealthy));
        Assert.That(reason, Is.EqualTo("no successful send for 0.00:06:00; a send of 120 points has not finished"));
    }

    [Test]
    public void Evaluate_FailingSinceRecentlyAfterLongIdle_Degraded()
    {
        var (status, _) = ReporterHealthCheck.Evaluate(Running(failures: 1, lastSuccess: Now.AddHours(-1)), Now.AddHours(-2), null, Now, After, pendingFor: TimeSpan.FromMinutes(1));

        Assert.That(status, Is.EqualTo(HealthStatus.Degraded));
    }

    [Test]
    public void Evaluate_FailingSinceLongerThanLimitAfterLongIdle_UnhealthyWithBothDurations()
    {
        var (status, reason) = ReporterHealthCheck.Evaluate(Running(failures: 3, lastSuccess: Now.AddHours(-1)), Now.AddHours(-2), null, Now, After, pendingFor: TimeSpan.FromMinutes(6));

        Assert.That(status, Is.EqualTo(HealthStatus.Unhealthy));
        Assert.That(reason, Is.EqualTo("no successful send for 0.01:00:00 (points waiting for 0.00:06:00)"));
    }

    [Test]
    public void Evaluate_LastSendFailed_Degraded()
    {
        var (status, reason) = ReporterHealthCheck.Evaluate(Running(failures: 2, lastSuccess: Now.AddMinutes(-1)), Now.AddHours(-1), null, Now, After);

        Assert.That(status, Is.EqualTo(HealthStatus.Degraded));
        Assert.That(reason, Does.Contain("2 failed send(s)"));
    }

    [Test]
    public void Evaluate_QueueAtEightyPercent_Degraded()
    {
        var (status, reason) = ReporterHealthCheck.Evaluate(Running(depth: 800, capacity: 1000, lastSuccess: Now), Now.AddHours(-1), null, Now, After);

        Assert.That(status, Is.EqualTo(HealthStatus.Degraded));
        Assert.That(reason, Is.EqualTo("queue 800 of 1000 points"));
    }

    [Test]
    public void Evaluate_QueueBelowEightyPercent_Healthy()
    {
        var (status, _) = ReporterHealthCheck.Evaluate(Running(depth: 799, capacity: 1000, lastSuccess: Now), Now.AddHours(-1), null, Now, After);

        Assert.That(status, Is.EqualTo(HealthStatus.Healthy));
    }

    [Test]
    public void Evaluate_FailingLongerThanLimit_Unhealthy()
    {
        var (status, reason) = ReporterHealthCheck.Evaluate(Running(failures: 30, lastSuccess: Now.AddMinutes(-6)), Now.AddHours(-1), null, Now, After);

        Assert.That(status, Is.EqualTo(HealthStatus.Unhealthy));
        Assert.That(reason, Is.EqualTo("no successful send for 0.00:06:00"));
    }

    [Test]
    public void Evaluate_NeverSucceededSinceStartLongAgo_Unhealthy()
    {
        var (status, reason) = ReporterHealthCheck.Evaluate(Running(failures: 3), Now.AddMinutes(-10), null, Now, After);

        Assert.That(status, Is.EqualTo(HealthStatus.Unhealthy));
        Assert.That(reason, Does.StartWith("no successful send since it started"));
    }

    [Test]
    public void Evaluate_NeverSucceededButJustStarted_Degraded()
    {
        var (status, _) = ReporterHealthCheck.Evaluate(Running(failures: 1), Now.AddMinutes(-1), null, Now, After);

        Assert.That(status, Is.EqualTo(HealthStatus.Degraded));
    }

    [Test]
    public void Evaluate_NotRunning_Unhealthy()
    {
        var (status, reason) = ReporterHealthCheck.Evaluate(Running() with { Running = false }, null, null, Now, After);

        Assert.That(status, Is.EqualTo(HealthStatus.Unhealthy));
        Assert.That(reason, Is.EqualTo("not running"));
    }

    [Test]
    public void Evaluate_FailedToStart_UnhealthyWithTheReason()
    {
        var (status, reason) = ReporterHealthCheck.Evaluate(Running() with { Running = false }, null, new InvalidOperationException("port in use"), Now, After);

        Assert.That(status, Is.EqualTo(HealthStatus.Unhealthy));
        Assert.That(reason, Is.EqualTo("failed to start: port in use"));
    }
}
