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
    /// <exception cref="InvalidOperationException">An option of some reporter is invalid; the message lists each problem.</exception>
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

            var problems = new List<string>();
            var built = new List<ReporterEntry>();
            foreach (var registration in _registrations)
            {
                try
                {
                    built.Add(new ReporterEntry(registration, registration.Factory(_services)));
                }
                catch (ReporterConfigurationException ex)
                {
                    problems.AddRange(ex.Problems);
                }
                catch (Exception ex) when (ex is ArgumentException or FormatException or OptionsValidationException)
                {
                    problems.Add($"{registration.Source}: {ex.Message}");
                }
#pragma warning disable CA1031 // A reporter that cannot open its resources must not stop the others or the application.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    built.Add(new ReporterEntry(registration, null) { StartError = ex });
                }
            }

            if (problems.Count > 0)
            {
                _error = new InvalidOperationException(
                    "Metrics reporting is misconfigured:" + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", problems));
                throw _error;
            }

            _entries = built.ToArray();
            return _entries;
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
            try
            {
                entry.Reporter?.Dispose();
            }
#pragma warning disable CA1031 // Disposal of one reporter must not keep the others from being disposed.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
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
