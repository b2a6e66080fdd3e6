using Metrics.Testing;

namespace Metrics.Tests;

public class TimerTests : ManualClockFixture
{
    [Test]
    public void Time_DisposedAfterClockMoves_RecordsElapsedNanoseconds()
    {
        var timer = _registry.Timer("t");

        using (timer.Time())
        {
            _time.Advance(TimeSpan.FromMilliseconds(250));
        }

        var snapshot = timer.GetSnapshot();
        Assert.Multiple(() =>
        {
            Assert.That(timer.Count, Is.EqualTo(1));
            Assert.That(snapshot.Count, Is.EqualTo(1));
            Assert.That(snapshot.Max, Is.EqualTo(250_000_000).Within(1).Percent);
        });
    }

    [Test]
    public void Stop_CalledTwice_RecordsOnceAndReturnsTheSameDuration()
    {
        var timer = _registry.Timer("t");
        var context = timer.Time();
        _time.Advance(TimeSpan.FromSeconds(2));

        var first = context.Stop();
        _time.Advance(TimeSpan.FromSeconds(2));
        var second = context.Stop();
        context.Dispose();

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(TimeSpan.FromSeconds(2)));
            Assert.That(second, Is.EqualTo(first));
            Assert.That(timer.Count, Is.EqualTo(1));
        });
    }

    [Test]
    public void Stop_InsideAUsingDeclaration_RecordsOnce()
    {
        var timer = _registry.Timer("t");

        Run();

        Assert.That(timer.Count, Is.EqualTo(1), "Stop and the closing Dispose must record one duration");

        void Run()
        {
            using var context = timer.Time();
            _time.Advance(TimeSpan.FromSeconds(1));
            context.Stop();
            _time.Advance(TimeSpan.FromSeconds(1));
        }
    }

    [Test]
    public void Elapsed_WhileRunning_FollowsTheClock()
    {
        var context = _registry.Timer("t").Time();

        _time.Advance(TimeSpan.FromMilliseconds(1500));

        Assert.That(context.Elapsed, Is.EqualTo(TimeSpan.FromMilliseconds(1500)));
    }

    [Test]
    public void DefaultContext_StopAndDispose_DoNothing()
    {
        var context = default(TimerContext);

        Assert.Multiple(() =>
        {
            Assert.That(context.Stop(), Is.EqualTo(TimeSpan.Zero));
            Assert.That(context.Elapsed, Is.EqualTo(TimeSpan.Zero));
        });
        context.Dispose();
    }

    [Test]
    public void Update_TimeSpan_RecordsNanoseconds()
    {
        var timer = _registry.Timer("t");

        timer.Update(TimeSpan.FromMilliseconds(3));

        Assert.That(timer.GetSnapshot().Max, Is.EqualTo(3_000_000).Within(1).Percent);
    }

    [Test]
    public void Update_NegativeDurations_AreIgnored()
    {
        var timer = _registry.Timer("t");

        timer.Update(TimeSpan.FromMilliseconds(-3));
        timer.UpdateNanoseconds(-1);

        // Far below zero, where a duration's nanoseconds no longer fit a long.
        timer.Update(TimeSpan.MinValue);
        timer.Update(TimeSpan.FromTicks(-92233720368547759));

        Assert.Multiple(() =>
        {
            Assert.That(timer.Count, Is.Zero);
            Assert.That(timer.GetSnapshot().Count, Is.Zero);
        });
    }

    [Test]
    public void TimeAction_WhenItThrows_StillRecordsAndRethrows()
    {
        var timer = _registry.Timer("t");

        Assert.Throws<InvalidOperationException>(() => timer.Time(() =>
        {
            _time.Advance(TimeSpan.FromMilliseconds(10));
            throw new InvalidOperationException("boom");
        }));

        Assert.Multiple(() =>
        {
            Assert.That(timer.Count, Is.EqualTo(1));
            Assert.That(timer.GetSnapshot().Max, Is.EqualTo(10_000_000).Within(1).Percent);
        });
    }

    [Test]
    public void TimeFunc_ReturnsTheResultAndRecords()
    {
        var timer = _registry.Timer("t");

        var result = timer.Time(() =>
        {
            _time.Advance(TimeSpan.FromMilliseconds(7));
            return 42;
        });

        Assert.Multiple(() =>
        {
            Assert.That(result, Is.EqualTo(42));
            Assert.That(timer.GetSnapshot().Max, Is.EqualTo(7_000_000).Within(1).Percent);
        });
    }

    [Test]
    public async Task TimeAsync_AwaitsAndRecordsTheWholeDuration()
    {
        var timer = _registry.Timer("t");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var timing = timer.TimeAsync(async () => await gate.Task);
        _time.Advance(TimeSpan.FromMilliseconds(40));
        Assert.That(timer.Count, Is.Zero, "recorded before the task finished");
        gate.SetResult();
        await timing.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Multiple(() =>
        {
            Assert.That(timer.Count, Is.EqualTo(1));
            Assert.That(timer.GetSnapshot().Max, Is.EqualTo(40_000_000).Within(1).Percent);
        });
    }

    [Test]
    public async Task TimeOfT_GivenAnAsyncLambda_RecordsUntilItsTaskCompletes()
    {
        var timer = _registry.Timer("t");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // An async lambda binds to Time<Task>: it returns at its first await.
        Task timing = timer.Time(async () => await gate.Task);
        _time.Advance(TimeSpan.FromMilliseconds(40));
        Assert.That(timer.Count, Is.Zero, "recorded when the lambda returned its task, not when the task ended");
        gate.SetResult();
        await timing.WaitAsync(TimeSpan.FromSeconds(10));
        await WaitForCount(timer, 1);

        Assert.That(timer.GetSnapshot().Max, Is.EqualTo(40_000_000).Within(1).Percent);
    }

    [Test]
    public async Task TimeOfT_WhenTheReturnedTaskFaults_RecordsAndTheCallerSeesTheFault()
    {
        var timer = _registry.Timer("t");
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

        var timing = timer.Time(() => gate.Task);
        _time.Advance(TimeSpan.FromMilliseconds(7));
        gate.SetException(new InvalidOperationException("faulted"));

        Assert.ThrowsAsync<InvalidOperationException>(() => timing);
        await WaitForCount(timer, 1);
        Assert.That(timer.GetSnapshot().Max, Is.EqualTo(7_000_000).Within(1).Percent);
    }

    [Test]
    public void TimeOfT_WhenTheTaskHasAlreadyCompleted_RecordsAtOnce()
    {
        var timer = _registry.Timer("t");

        var value = timer.Time(() =>
        {
            _time.Advance(TimeSpan.FromMilliseconds(3));
            return Task.FromResult(5);
        });

        Assert.Multiple(() =>
        {
            Assert.That(value.Result, Is.EqualTo(5));
            Assert.That(timer.Count, Is.EqualTo(1));
            Assert.That(timer.GetSnapshot().Max, Is.EqualTo(3_000_000).Within(1).Percent);
        });
    }

    [Test]
    public async Task TimeOfT_GivenAValueTaskMethodGroup_RecordsUntilTheValueTaskCompletes()
    {
        var timer = _registry.Timer("t");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async ValueTask SaveAsync() => await gate.Task;

        ValueTask timing = timer.Time(SaveAsync);
        _time.Advance(TimeSpan.FromMilliseconds(40));
        Assert.That(timer.Count, Is.Zero, "recorded at the value task's first await, not when it ended");
        gate.SetResult();
        await timing.AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Multiple(() =>
        {
            Assert.That(timer.Count, Is.EqualTo(1));
            Assert.That(timer.GetSnapshot().Max, Is.EqualTo(40_000_000).Within(1).Percent);
        });
    }

    [Test]
    public async Task TimeOfT_GivenAValueTaskOfTMethodGroup_RecordsUntilItCompletesAndKeepsTheResult()
    {
        var timer = _registry.Timer("t");
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        async ValueTask<int> LoadAsync() => await gate.Task;

        ValueTask<int> timing = timer.Time(LoadAsync);
        _time.Advance(TimeSpan.FromMilliseconds(25));
        Assert.That(timer.Count, Is.Zero, "recorded at the value task's first await, not when it ended");
        gate.SetResult(42);
        var value = await timing.AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Multiple(() =>
        {
            Assert.That(value, Is.EqualTo(42));
            Assert.That(timer.Count, Is.EqualTo(1));
            Assert.That(timer.GetSnapshot().Max, Is.EqualTo(25_000_000).Within(1).Percent);
        });
    }

    [Test]
    public async Task TimeOfT_WhenTheValueTaskFaults_RecordsAndTheCallerSeesTheFault()
    {
        var timer = _registry.Timer("t");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async ValueTask SaveAsync() => await gate.Task;

        var timing = timer.Time(SaveAsync);
        _time.Advance(TimeSpan.FromMilliseconds(7));
        gate.SetException(new InvalidOperationException("faulted"));

        Assert.ThrowsAsync<InvalidOperationException>(async () => await timing);
        await WaitForCount(timer, 1);
        Assert.That(timer.GetSnapshot().Max, Is.EqualTo(7_000_000).Within(1).Percent);
    }

    [Test]
    public async Task TimeOfT_WhenAValueTaskOverSeveralTasksFaults_TheCallerSeesEveryException()
    {
        var timer = _registry.Timer("t");
        var first = new TaskCompletionSource();
        var second = new TaskCompletionSource<int>();
        var both = Task.WhenAll(first.Task, second.Task);
        var bothOfT = Task.WhenAll(second.Task);

        var timing = timer.Time(() => new ValueTask(both));
        var timingOfT = timer.Time(() => new ValueTask<int[]>(bothOfT));
        _time.Advance(TimeSpan.FromMilliseconds(12));
        first.SetException(new InvalidOperationException("first"));
        second.SetException(new InvalidOperationException("second"));
        var task = timing.AsTask();
        var taskOfT = timingOfT.AsTask();
        await Task.WhenAny(Task.WhenAll(task, taskOfT), Task.Delay(TimeSpan.FromSeconds(10)));

        Assert.Multiple(() =>
        {
            Assert.That(task.Exception?.InnerExceptions.Select(e => e.Message), Is.EqualTo(new[] { "first", "second" }), "as the work's own task has them");
            Assert.That(taskOfT.Exception?.InnerExceptions.Select(e => e.Message), Is.EqualTo(new[] { "second" }));
            Assert.That(timer.Count, Is.EqualTo(2));
            Assert.That(timer.GetSnapshot().Min, Is.EqualTo(12_000_000).Within(1).Percent);
        });
    }

    [Test]
    public async Task TimeOfT_WhenAValueTaskOverATaskIsCancelled_TheCallerSeesItsToken()
    {
        var timer = _registry.Timer("t");
        using var cancellation = new CancellationTokenSource();
        var work = new TaskCompletionSource<int>();

        var timing = timer.Time(() => new ValueTask<int>(work.Task));
        work.SetCanceled(cancellation.Token);

        var caught = Assert.CatchAsync<OperationCanceledException>(async () => await timing);
        Assert.That(caught!.CancellationToken, Is.EqualTo(cancellation.Token));
        await WaitForCount(timer, 1);
    }

    [Test]
    public void TimeOfT_WhenTheValueTaskHasAlreadyCompleted_RecordsAtOnce()
    {
        var timer = _registry.Timer("t");

        var value = timer.Time(() =>
        {
            _time.Advance(TimeSpan.FromMilliseconds(3));
            return ValueTask.FromResult(5);
        });

        Assert.Multiple(() =>
        {
            Assert.That(value.IsCompletedSuccessfully, Is.True);
            Assert.That(value.Result, Is.EqualTo(5));
            Assert.That(timer.Count, Is.EqualTo(1));
            Assert.That(timer.GetSnapshot().Max, Is.EqualTo(3_000_000).Within(1).Percent);
        });
    }

    [Test]
    public void TimeOfT_GivenAnOrdinaryValue_RecordsAtOnceAndReturnsIt()
    {
        var timer = _registry.Timer("t");

        var value = timer.Time(() =>
        {
            _time.Advance(TimeSpan.FromMilliseconds(2));
            return 17;
        });

        Assert.Multiple(() =>
        {
            Assert.That(value, Is.EqualTo(17));
            Assert.That(timer.GetSnapshot().Max, Is.EqualTo(2_000_000).Within(1).Percent);
        });
    }

    [Test]
    public async Task TimeAsync_GivenAnAsyncValueTaskLambda_RecordsTheWholeDuration()
    {
        var timer = _registry.Timer("t");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var timing = timer.TimeAsync(async ValueTask () => await gate.Task);
        _time.Advance(TimeSpan.FromMilliseconds(40));
        Assert.That(timer.Count, Is.Zero, "recorded before the value task finished");
        gate.SetResult();
        await timing.AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Multiple(() =>
        {
            Assert.That(timing, Is.TypeOf<ValueTask>());
            Assert.That(timer.Count, Is.EqualTo(1));
            Assert.That(timer.GetSnapshot().Max, Is.EqualTo(40_000_000).Within(1).Percent);
        });
    }

    [Test]
    public async Task TimeAsyncOfT_GivenAValueTaskMethodGroup_RecordsTheWholeDurationAndKeepsTheResult()
    {
        var timer = _registry.Timer("t");
        var gate = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        async ValueTask<string> LoadAsync() => await gate.Task;

        ValueTask<string> timing = timer.TimeAsync(LoadAsync);
        _time.Advance(TimeSpan.FromMilliseconds(15));
        Assert.That(timer.Count, Is.Zero, "recorded before the value task finished");
        gate.SetResult("ok");
        var value = await timing.AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Multiple(() =>
        {
            Assert.That(value, Is.EqualTo("ok"));
            Assert.That(timer.Count, Is.EqualTo(1));
            Assert.That(timer.GetSnapshot().Max, Is.EqualTo(15_000_000).Within(1).Percent);
        });
    }

    [Test]
    public async Task TimeAsync_WhenTheValueTaskFaultsOrIsCancelled_RecordsAndTheCallerSeesTheOutcome()
    {
        var timer = _registry.Timer("t");
        var faultGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelGate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        async ValueTask FailAsync() => await faultGate.Task;
        async ValueTask<int> CancelAsync() => await cancelGate.Task;

        var failing = timer.TimeAsync(FailAsync);
        var cancelled = timer.TimeAsync(CancelAsync);
        _time.Advance(TimeSpan.FromMilliseconds(9));
        faultGate.SetException(new InvalidOperationException("faulted"));
        cancelGate.SetCanceled();

        Assert.ThrowsAsync<InvalidOperationException>(async () => await failing);
        Assert.ThrowsAsync<TaskCanceledException>(async () => await cancelled);
        await WaitForCount(timer, 2);
        Assert.That(timer.GetSnapshot().Min, Is.EqualTo(9_000_000).Within(1).Percent);
    }

    [Test]
    public async Task TimeAsync_WhenTheFuncThrowsBeforeReturningAValueTask_RecordsAndTheCallerSeesTheException()
    {
        var timer = _registry.Timer("t");

        var timing = timer.TimeAsync(new Func<ValueTask>(() => throw new InvalidOperationException("sync")));

        Assert.ThrowsAsync<InvalidOperationException>(async () => await timing);
        await WaitForCount(timer, 1);
    }

    [Test]
    public async Task TimeAsync_OverloadsForLambdasAndMethodGroups_BindAndTimeToCompletion()
    {
        var timer = _registry.Timer("t");

        // Each of these compiles without a cast: the async lambdas keep binding to the Task overloads, and the
        // method groups and value-task lambdas bind to the ValueTask overloads.
        Task plain = timer.TimeAsync(async () => await SomethingAsync());
        Task<int> plainOfT = timer.TimeAsync(async () => await SomethingOfTAsync());
        ValueTask valueTask = timer.TimeAsync(SomethingValueAsync);
        ValueTask<int> valueTaskOfT = timer.TimeAsync(SomethingValueOfTAsync);
        ValueTask returned = timer.TimeAsync(() => SomethingValueAsync());
        Task taskGroup = timer.TimeAsync(SomethingAsync);
        Task<int> taskOfTGroup = timer.TimeAsync(SomethingOfTAsync);

        await plain;
        await valueTask;
        await returned;
        await taskGroup;
        Assert.Multiple(async () =>
        {
            Assert.That(await plainOfT, Is.EqualTo(1));
            Assert.That(await valueTaskOfT, Is.EqualTo(2));
            Assert.That(await taskOfTGroup, Is.EqualTo(1));
        });
        Assert.That(timer.Count, Is.EqualTo(7));

        static async Task SomethingAsync() => await Task.Yield();
        static async Task<int> SomethingOfTAsync()
        {
            await Task.Yield();
            return 1;
        }

        static async ValueTask SomethingValueAsync() => await Task.Yield();
        static async ValueTask<int> SomethingValueOfTAsync()
        {
            await Task.Yield();
            return 2;
        }
    }

    // The timer records from the task's continuation, which may run just after the awaiting test resumes.
    private static async Task WaitForCount(Timer timer, long count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (timer.Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(1);
        }

        Assert.That(timer.Count, Is.EqualTo(count));
    }

    [Test]
    public async Task TimeAsyncOfT_WhenTheTaskFaults_RecordsAndPropagates()
    {
        var timer = _registry.Timer("t");

        Assert.ThrowsAsync<InvalidOperationException>(() => timer.TimeAsync<int>(() =>
        {
            _time.Advance(TimeSpan.FromMilliseconds(5));
            return Task.FromException<int>(new InvalidOperationException("faulted"));
        }));
        var value = await timer.TimeAsync(() => Task.FromResult("ok"));

        Assert.Multiple(() =>
        {
            Assert.That(value, Is.EqualTo("ok"));
            Assert.That(timer.Count, Is.EqualTo(2));
        });
    }

    [Test]
    public void Rates_FollowTheMeterGoldenVector()
    {
        var timer = _registry.Timer("t");
        timer.UpdateNanoseconds(1);
        timer.UpdateNanoseconds(1);
        timer.UpdateNanoseconds(1);

        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Multiple(() =>
        {
            Assert.That(timer.OneMinuteRate, Is.EqualTo(0.6).Within(1e-8));
            Assert.That(timer.FiveMinuteRate, Is.EqualTo(0.6).Within(1e-8));
            Assert.That(timer.FifteenMinuteRate, Is.EqualTo(0.6).Within(1e-8));
            Assert.That(timer.MeanRate, Is.EqualTo(0.6).Within(1e-8));
        });
    }

    [Test]
    public void Time_FromManyThreads_CountsEveryDurationExactly()
    {
        var timer = new MetricsRegistry().Timer("hammered");
        const int threads = 8;
        const int perThread = 20_000;

        Hammer.Run(threads, () =>
        {
            for (var i = 0; i < perThread; i++)
            {
                using var context = timer.Time();
            }
        });

        Assert.Multiple(() =>
        {
            Assert.That(timer.Count, Is.EqualTo((long)threads * perThread));
            Assert.That(timer.GetSnapshot().Count, Is.EqualTo((long)threads * perThread));
        });
    }

    [Test]
    public void Update_AfterMissedTicks_CatchesUpBeforeCounting()
    {
        // As for a meter's mark: durations recorded before a long pause belong to the first tick, the ones recorded
        // after it to a later tick.
        var timer = _registry.Timer("t");
        timer.UpdateNanoseconds(1);
        timer.UpdateNanoseconds(1);
        timer.UpdateNanoseconds(1);
        _time.Advance(TimeSpan.FromSeconds(65));

        for (var i = 0; i < 1000; i++)
        {
            timer.UpdateNanoseconds(1);
        }

        Assert.That(timer.OneMinuteRate, Is.EqualTo(0.22072766).Within(1e-8));
        _time.Advance(TimeSpan.FromSeconds(5));
        var alpha = 1 - Math.Exp(-5.0 / 60);
        Assert.Multiple(() =>
        {
            Assert.That(timer.OneMinuteRate, Is.EqualTo(0.22072766 + (alpha * ((1000 / 5.0) - 0.22072766))).Within(1e-6));
            Assert.That(timer.Count, Is.EqualTo(1003));
        });
    }

    [Test]
    public void UpdateNanoseconds_FromManyThreadsWhileTicksFallDue_CountsEveryDurationExactly()
    {
        var timer = _registry.Timer("t");
        const int threads = 4;
        const int perThread = 50_000;

        RecordWhileTimeAdvances(threads, perThread, n => timer.UpdateNanoseconds(n));

        Assert.Multiple(() =>
        {
            Assert.That(timer.Count, Is.EqualTo((long)threads * perThread));
            Assert.That(timer.GetSnapshot().Count, Is.EqualTo((long)threads * perThread));
            Assert.That(timer.MeanRate, Is.EqualTo(threads * perThread / 20.0).Within(1e-9));
        });
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.That(timer.FifteenMinuteRate, Is.GreaterThan(0).And.LessThan(threads * perThread / 5.0));
    }
}
