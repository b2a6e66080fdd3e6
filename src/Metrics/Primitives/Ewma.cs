namespace Metrics.Primitives;

/// <summary>
/// An exponentially weighted moving average of a rate, ticked every <see cref="TickSeconds"/> seconds, with
/// Dropwizard's alpha <c>1 - exp(-5 / 60 / minutes)</c>. The first tick sets the rate to that tick's
/// instant rate.
/// </summary>
/// <remarks>Not thread-safe: the owning meter serialises ticks.</remarks>
internal struct Ewma
{
    public const double TickSeconds = 5.0;

    private readonly double _alpha;
    private double _rate;
    private bool _initialized;

    public Ewma(double minutes) => _alpha = 1 - Math.Exp(-TickSeconds / 60.0 / minutes);

    /// <summary>Events per second.</summary>
    public readonly double Rate => Volatile.Read(in _rate);

    /// <summary>Folds in one tick during which <paramref name="count"/> events happened.</summary>
    public void Tick(long count)
    {
        var instant = count / TickSeconds;
        if (_initialized)
        {
            Volatile.Write(ref _rate, _rate + (_alpha * (instant - _rate)));
        }
        else
        {
            Volatile.Write(ref _rate, instant);
            _initialized = true;
        }
    }

    /// <summary>Folds in <paramref name="ticks"/> ticks with no events (closed form, so catching up is O(1)).</summary>
    public void Decay(long ticks)
    {
        if (ticks <= 0)
        {
            return;
        }

        if (!_initialized)
        {
            _initialized = true;
            Volatile.Write(ref _rate, 0);
            return;
        }

        Volatile.Write(ref _rate, _rate * Math.Pow(1 - _alpha, ticks));
    }
}
