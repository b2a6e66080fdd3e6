using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Metrics.Reporters.DependencyInjection;

/// <summary>
/// The reporters registered in a container, built once on first use. Building validates every reporter's options
/// and fails with one exception listing every problem (each naming its configuration key or builder method). A
/// reporter that cannot be built for another reason (its file or socket cannot be opened) is kept as an entry with
/// its error, so that the others still run.
/// </summary>
internal sealed class ReporterSet : IAsyncDisposable, IDisposable
{
    private readonly IServiceProvider _services;
    private readonly ReporterRegistration[] _registrations;
    private readonly object _lock = new();
    private ReporterEntry[]? _entries;
    private InvalidOperationException? _error;

    public ReporterSet(IServiceProvider services, IEnumerable<ReporterRegistration> registrations)
    {
        _services = services;
        _registrations = registrations.ToArray();
    }

    /// <summary>Builds (once) and returns the reporters.</summary>
    /// <exception cref="InvalidOperationException">An option of some reporter, or other metrics configuration, is invalid; the message lists each problem.</exception>
    public IReadOnlyList<ReporterEntry> GetReporters()
    {
        lock (_lock)
        {
            if (_entries is not null)
            {
                return _entries;
            }

            if (_error is not null)
            {
                throw _error;
            }

            // Every problem that can be found without the registry first: a bad Metrics:GlobalTags keeps the registry
            // from being created, and is listed with the reporters' problems rather than hiding them.
            var prepared = Prepare(out var problems, out var registryProblems);
            if (registryProblems)
            {
                throw _error = Misconfigured(problems);
            }

            // The reporters whose options are valid are still built, so that their own checks are listed too.
            var registry = _services.GetRequiredService<MetricsRegistry>();
            var built = new List<ReporterEntry>();
            foreach (var (registration, build, error) in prepared)
            {
                if (build is null)
                {
                    built.Add(new ReporterEntry(registration, null) { StartError = error });
                    continue;
                }

                try
                {
                    built.Add(new ReporterEntry(registration, build(registry)));
                }
#pragma warning disable CA1031 // A reporter that cannot open its resources must not stop the others or the application.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    if (!IsProblem(registration, ex, problems))
                    {
                        built.Add(new ReporterEntry(registration, null) { StartError = ex });
                    }
                }
            }

            if (problems.Count > 0)
            {
                foreach (var entry in built)
                {
                    DisposeQuietly(entry.Reporter);
                }

                throw _error = Misconfigured(problems);
            }

            _entries = built.ToArray();
            return _entries;
        }
    }

    /// <summary>
    /// The exception <see cref="GetReporters"/> throws for the problems found without building anything (invalid
    /// options, bad configuration); null when there are none or the reporters are built.
    /// </summary>
    public InvalidOperationException? Misconfiguration()
    {
        lock (_lock)
        {
            if (_error is not null || _entries is not null)
            {
                return _error;
            }

            Prepare(out var problems, out _);
            return problems.Count > 0 ? _error = Misconfigured(problems) : null;
        }
    }

    /// <summary>
    /// The exception listing <paramref name="problems"/>, one a line, each once: <c>AddMetricsReporting</c> called twice
    /// with the same configuration finds every problem twice.
    /// </summary>
    public static InvalidOperationException Misconfigured(IEnumerable<string> problems) =>
        new("Metrics reporting is misconfigured:" + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", problems.Distinct(StringComparer.Ordinal)));

    /// <summary>Runs the configuration checks and prepares every registration; <paramref name="registryProblems"/> when a check failed (the registry cannot be created).</summary>
    private List<(ReporterRegistration Registration, Func<MetricsRegistry, Reporter>? Build, Exception? Error)> Prepare(out List<string> problems, out bool registryProblems)
    {
        problems = new List<string>();
        foreach (var check in _services.GetServices<ConfigurationCheck>())
        {
            problems.AddRange(check.Problems());
        }

        registryProblems = problems.Count > 0;

        var prepared = new List<(ReporterRegistration, Func<MetricsRegistry, Reporter>?, Exception?)>();
        foreach (var registration in _registrations)
        {
            try
            {
                prepared.Add((registration, registration.Prepare(_services), null));
            }
#pragma warning disable CA1031 // A reporter whose options cannot be created for another reason must not stop the others.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                if (!IsProblem(registration, ex, problems))
                {
                    prepared.Add((registration, null, ex));
                }
            }
        }

        return prepared;
    }

    /// <summary>Adds the problems of an invalid configuration or option to <paramref name="problems"/>; false for other failures.</summary>
    private static bool IsProblem(ReporterRegistration registration, Exception ex, List<string> problems)
    {
        switch (ex)
        {
            case ReporterConfigurationException configuration:
                problems.AddRange(configuration.Problems);
                return true;
            case ArgumentException or FormatException or OptionsValidationException:
                problems.Add($"{registration.Source}: {ex.Message}");
                return true;
            default:
                return false;
        }
    }

    /// <summary>The reporters when already built, else empty (never builds).</summary>
    public IReadOnlyList<ReporterEntry> Built
    {
        get
        {
            lock (_lock)
            {
                return _entries ?? Array.Empty<ReporterEntry>();
            }
        }
    }

    public void Dispose()
    {
        foreach (var entry in Built)
        {
            DisposeQuietly(entry.Reporter);
        }
    }

    private static void DisposeQuietly(Reporter? reporter)
    {
        try
        {
            reporter?.Dispose();
        }
#pragma warning disable CA1031 // Disposal of one reporter must not keep the others from being disposed.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var entry in Built)
        {
            try
            {
                if (entry.Reporter is { } reporter)
                {
                    await reporter.DisposeAsync().ConfigureAwait(false);
                }
            }
#pragma warning disable CA1031 // Disposal of one reporter must not keep the others from being disposed.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }
}

/// <summary>A built reporter and what the hosted service knows of it.</summary>
internal sealed class ReporterEntry
{
    private long _startedAtTicks = long.MinValue;

    public ReporterEntry(ReporterRegistration registration, Reporter? reporter)
    {
        Registration = registration;
        Reporter = reporter;
    }

    public ReporterRegistration Registration { get; }

    /// <summary>The reporter; null when it could not be built (<see cref="StartError"/> says why).</summary>
    public Reporter? Reporter { get; }

    /// <summary>The reporter's name, or for one that could not be built the name it was registered with.</summary>
    public string Name => Reporter?.Name ?? Registration.Name ?? Registration.Kind.ToLowerInvariant();

    /// <summary>When the hosted service started the reporter; null when it has not (yet) started.</summary>
    public DateTimeOffset? StartedAt
    {
        get
        {
            var ticks = Interlocked.Read(ref _startedAtTicks);
            return ticks == long.MinValue ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }

        set => Interlocked.Exchange(ref _startedAtTicks, value?.UtcTicks ?? long.MinValue);
    }

    /// <summary>Why the reporter could not be built or <see cref="Reporter.Start"/> failed, if it did.</summary>
    public Exception? StartError { get; set; }
}
