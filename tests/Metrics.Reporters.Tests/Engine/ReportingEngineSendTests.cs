using Metrics.Reporters.Engine;
using Microsoft.Extensions.Logging;

namespace Metrics.Reporters.Tests.Engine;

public class ReportingEngineSendTests
{
    private static Action<TestReporterOptions> Retries(int max, double baseSeconds = 1, double maxSeconds = 30) => o =>
        o.Retry = new RetryOptions { MaxRetries = max, BaseDelay = TimeSpan.FromSeconds(baseSeconds), MaxDelay = TimeSpan.FromSeconds(maxSeconds), UseJitter = false };

    [Test]
    public async Task Send_TransientThenSuccess_RetriesAfterBackoff()
    {
        await using var h = new EngineHarness(Retries(3));
        h.Snapshots = Snap.Counters(2);
        h.Backend.Then(b => SendResult.Transient(b.Count, "503", 503));

        var report = h.Reporter.ReportNowAsync();
        await EngineHarness.WaitUntilAsync(() => h.Backend.Calls == 1, "the first attempt");
        h.Time.Advance(TimeSpan.FromMilliseconds(999));
        await Task.Delay(20);
        Assert.That(h.Backend.Calls, Is.EqualTo(1), "no retry before the 1 s backoff");
        h.Time.Advance(TimeSpan.FromMilliseconds(1));
        await report.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(h.Backend.Calls, Is.EqualTo(2));
        Assert.That(h.Accepted(), Has.Count.EqualTo(2));
        Assert.That(h.Failures, Is.Empty, "a send that succeeded on retry is not a failure");
        Assert.That(h.SelfCounter(SelfMetrics.PointsSent), Is.EqualTo(4), "both attempts count as sent");
        Assert.That(h.SelfCounter(SelfMetrics.PointsSucceeded), Is.EqualTo(2));
    }

    [Test]
    public async Task Send_AlwaysTransient_GivesUpAfterMaxRetriesAndDrops()
    {
        await using var h = new EngineHarness(Retries(2));
        h.Snapshots = Snap.Counters(3);
        h.Backend.Respond = b => SendResult.Transient(b.Count, "connection refused");

        await h.DriveAsync(h.Reporter.ReportNowAsync(), TimeSpan.FromSeconds(1));

        Assert.That(h.Backend.Calls, Is.EqualTo(3));
        Assert.That(h.Failures, Has.Count.EqualTo(1));
        Assert.That(h.Failures[0].Failed, Is.EqualTo(3));
        Assert.That(h.Failures[0].Errors, Does.Contain("connection refused"));
        Assert.That(h.Failures[0].Errors, Does.Contain("gave up after 3 attempts"));
        Assert.That(h.Reporter.Status.Dropped, Is.EqualTo(3));
        Assert.That(h.Reporter.Status.ConsecutiveFailures, Is.EqualTo(1));
        Assert.That(h.Reporter.Status.LastFailure, Is.Not.Null);
    }

    [Test]
    public async Task Send_Permanent_IsNotRetried()
    {
        await using var h = new EngineHarness(Retries(3));
        h.Snapshots = Snap.Counters(2);
        h.Backend.Respond = b => SendResult.Permanent(b.Count, "bad token", 401);

        await h.Reporter.ReportNowAsync();

        Assert.That(h.Backend.Calls, Is.EqualTo(1));
        Assert.That(h.Failures.Single().StatusCode, Is.EqualTo(401));
        Assert.That(h.Failures.Single().Failed, Is.EqualTo(2));
        Assert.That(h.SelfCounter(SelfMetrics.PointsDropped), Is.EqualTo(2));
    }

    [Test]
    public async Task Send_RetryAfter_WaitsAsLongAsTheBackendAsked()
    {
        await using var h = new EngineHarness(Retries(1));
        h.Snapshots = Snap.Counters(1);
        h.Backend.Then(b => SendResult.Transient(b.Count, "429", 429, retryAfter: TimeSpan.FromSeconds(5)));

        var report = h.Reporter.ReportNowAsync();
        await EngineHarness.WaitUntilAsync(() => h.Backend.Calls == 1, "the first attempt");
        h.Time.Advance(TimeSpan.FromSeconds(4));
        await Task.Delay(20);
        Assert.That(h.Backend.Calls, Is.EqualTo(1), "base delay (1 s) passed but Retry-After (5 s) did not");
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await report.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(h.Backend.Calls, Is.EqualTo(2));
        Assert.That(h.Accepted(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Send_BackendThrows_IsTreatedAsTransientAndNeverEscapes()
    {
        await using var h = new EngineHarness(Retries(1));
        h.Snapshots = Snap.Counters(1);
        h.Backend.Then(_ => throw new InvalidOperationException("boom"));

        await h.DriveAsync(h.Reporter.ReportNowAsync(), TimeSpan.FromSeconds(1));

        Assert.That(h.Backend.Calls, Is.EqualTo(2));
        Assert.That(h.Accepted(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Send_BackendAlwaysThrows_FailureCarriesException()
    {
        await using var h = new EngineHarness();
        h.Snapshots = Snap.Counters(1);
        h.Backend.Respond = _ => throw new InvalidOperationException("boom");

        await h.Reporter.ReportNowAsync();

        Assert.That(h.Failures.Single().Exception, Is.TypeOf<InvalidOperationException>());
        Assert.That(h.Failures.Single().Errors[0], Does.Contain("boom"));
    }

    [Test]
    public async Task Send_PartialFailureRejectingEveryPoint_StatusCountsAFailureNotASuccess()
    {
        await using var h = new EngineHarness();
        h.Snapshots = Snap.Counters(3);
        h.Backend.Then(b => new SendResult(SendOutcome.PartialFailure, 0, b.Count, ["every point: tag 'host' is not allowed"], 400));

        await h.Reporter.ReportNowAsync();

        var status = h.Reporter.Status;
        Assert.That(status.LastSuccess, Is.Null, "nothing was delivered");
        Assert.That(status.LastFailure, Is.EqualTo(h.Time.GetUtcNow()));
        Assert.That(status.ConsecutiveFailures, Is.EqualTo(1));
        Assert.That(status.Dropped, Is.EqualTo(3));
    }

    [Test]
    public async Task Send_PartialFailureWithSomeDelivered_CountsAsSuccess()
    {
        await using var h = new EngineHarness();
        h.Snapshots = Snap.Counters(3);
        h.Backend.Then(b => new SendResult(SendOutcome.PartialFailure, 2, 1, ["c1.count: bad value"], 400));

        await h.Reporter.ReportNowAsync();

        Assert.That(h.Reporter.Status.LastSuccess, Is.EqualTo(h.Time.GetUtcNow()));
        Assert.That(h.Reporter.Status.ConsecutiveFailures, Is.Zero);
    }

    [Test]
    public async Task Send_PartialFailure_SucceededPointsAreNotResent()
    {
        await using var h = new EngineHarness(Retries(3));
        h.Snapshots = Snap.Counters(5);
        h.Backend.Then(b => new SendResult(SendOutcome.PartialFailure, 3, 2, ["c1.count: bad value", "c3.count: bad value"], 400));

        await h.Reporter.ReportNowAsync();

        Assert.That(h.Backend.Calls, Is.EqualTo(1));
        var failure = h.Failures.Single();
        Assert.That((failure.Succeeded, failure.Failed, failure.StatusCode), Is.EqualTo((3L, 2L, (int?)400)));
        Assert.That(failure.Errors, Has.Count.EqualTo(2));
        Assert.That(h.SelfCounter(SelfMetrics.PointsSucceeded), Is.EqualTo(3));
        Assert.That(h.SelfCounter(SelfMetrics.PointsFailed), Is.EqualTo(2));
    }

    [Test]
    public async Task Send_TooLarge_SplitsIntoHalvesUntilAccepted()
    {
        await using var h = new EngineHarness();
        h.Snapshots = Snap.Counters(8);
        h.Backend.Respond = b => b.Count > 2 ? new SendResult(SendOutcome.TooLarge, 0, b.Count, ["413"], 413) : SendResult.Ok(b.Count);

        await h.Reporter.ReportNowAsync();

        Assert.That(h.Backend.Batches.Select(b => b.Count), Is.EqualTo(new[] { 8, 4, 2, 2, 4, 2, 2 }));
        Assert.That(h.Accepted().Select(p => p.Metric), Is.EqualTo(Enumerable.Range(0, 8).Select(i => $"c{i}.count")));
        Assert.That(h.Failures, Is.Empty);
    }

    [Test]
    public async Task Send_SinglePointTooLarge_IsFailedForGood()
    {
        await using var h = new EngineHarness();
        h.Snapshots = Snap.Counters(1);
        h.Backend.Respond = b => new SendResult(SendOutcome.TooLarge, 0, b.Count, ["413"], 413);

        await h.Reporter.ReportNowAsync();

        Assert.That(h.Backend.Calls, Is.EqualTo(1));
        Assert.That(h.Failures.Single().Errors[0], Does.Contain("too large"));
        Assert.That(h.Reporter.Status.Dropped, Is.EqualTo(1));
    }

    [Test]
    public async Task ErrorHandler_Throws_NeverEscapesAndReportingGoesOn()
    {
        await using var h = new EngineHarness(o => o.ErrorHandler = _ => throw new InvalidOperationException("handler bug"));
        h.Snapshots = Snap.Counters(1);
        h.Backend.Then(b => SendResult.Permanent(b.Count, "no"));

        await h.Reporter.ReportNowAsync();
        await h.Reporter.ReportNowAsync();

        Assert.That(h.Accepted(), Has.Count.EqualTo(1));
        Assert.That(h.Log.Entries, Has.Some.Matches<(LogLevel Level, string Message)>(e => e.Level == LogLevel.Error && e.Message.Contains("error handler threw")));
    }

    [Test]
    public async Task ErrorHandler_Null_LogsFailureAsWarning()
    {
        await using var h = new EngineHarness(o => o.ErrorHandler = null);
        h.Snapshots = Snap.Counters(2);
        h.Backend.Respond = b => SendResult.Permanent(b.Count, "bad token", 401);

        await h.Reporter.ReportNowAsync();

        Assert.That(h.Log.Entries, Has.Some.EqualTo((LogLevel.Warning, "fake: 2 of 2 points failed, status 401: bad token")));
    }

    [Test]
    [NonParallelizable]
    public async Task ErrorHandlerAndLoggerFactoryNull_WritesTheFailureToStandardError()
    {
        var original = System.Console.Error;
        using var captured = new StringWriter();
        System.Console.SetError(captured);
        try
        {
            await using var h = new EngineHarness(o =>
            {
                o.ErrorHandler = null;
                o.LoggerFactory = null;
                o.Name = "stderr-check";
            });
            h.Snapshots = Snap.Counters(2);
            h.Backend.Respond = b => SendResult.Permanent(b.Count, "bad token", 401);

            await h.Reporter.ReportNowAsync();
        }
        finally
        {
            System.Console.SetError(original);
        }

        Assert.That(captured.ToString(), Does.Contain("stderr-check: 2 of 2 points failed, status 401: bad token" + Environment.NewLine));
    }

    [Test]
    public async Task Status_SuccessAfterFailures_ResetsConsecutiveFailures()
    {
        await using var h = new EngineHarness();
        h.Snapshots = Snap.Counters(1);
        h.Backend.Then(b => SendResult.Transient(b.Count, "down"));
        h.Backend.Then(b => SendResult.Transient(b.Count, "down"));

        await h.Reporter.ReportNowAsync();
        await h.Reporter.ReportNowAsync();
        Assert.That(h.Reporter.Status.ConsecutiveFailures, Is.EqualTo(2));
        await h.Reporter.ReportNowAsync();

        var status = h.Reporter.Status;
        Assert.That(status.ConsecutiveFailures, Is.Zero);
        Assert.That(status.LastSuccess, Is.EqualTo(h.Time.GetUtcNow()));
        Assert.That(status.QueueCapacity, Is.EqualTo(h.Options.MaxQueueSize));
    }

    [Test]
    public void RetryDelay_FullJitter_IsWithinExponentialCap()
    {
        var h = new EngineHarness(o => o.Retry = new RetryOptions { MaxRetries = 5, BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(10), UseJitter = true });
        var engine = h.Reporter.Engine;

        var delays = Enumerable.Range(0, 200).Select(_ => engine.RetryDelay(2, null)).ToArray();

        Assert.That(delays, Has.All.InRange(TimeSpan.Zero, TimeSpan.FromSeconds(4)));
        Assert.That(delays.Distinct().Count(), Is.GreaterThan(100), "jittered");
        Assert.That(Enumerable.Range(0, 50).Select(_ => engine.RetryDelay(10, null)), Has.All.LessThanOrEqualTo(TimeSpan.FromSeconds(10)));
        h.Reporter.Dispose();
    }

    [Test]
    public void RetryDelay_WithoutJitter_DoublesUpToMax()
    {
        var h = new EngineHarness(Retries(10, baseSeconds: 1, maxSeconds: 10));

        var delays = Enumerable.Range(0, 6).Select(a => h.Reporter.Engine.RetryDelay(a, null).TotalSeconds);

        Assert.That(delays, Is.EqualTo(new double[] { 1, 2, 4, 8, 10, 10 }));
        Assert.That(h.Reporter.Engine.RetryDelay(0, TimeSpan.FromMinutes(5)), Is.EqualTo(TimeSpan.FromSeconds(10)), "Retry-After is capped at MaxDelay");
        h.Reporter.Dispose();
    }
}
