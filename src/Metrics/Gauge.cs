namespace Metrics;

/// <summary>A gauge whose value is read from a callback each time it is read.</summary>
/// <remarks>The callback runs on the reader's thread (a reporter). An exception from it makes the value <see cref="double.NaN"/>, which reporters skip and count.</remarks>
public sealed class Gauge
{
    private readonly Func<double> _read;

    internal Gauge(Func<double> read) => _read = read;

    /// <summary>The callback's current value, or <see cref="double.NaN"/> when the callback throws.</summary>
    public double Value
    {
        get
        {
            try
            {
                return _read();
            }
#pragma warning disable CA1031 // A user's gauge callback must never break a report.
            catch (Exception)
#pragma warning restore CA1031
            {
                return double.NaN;
            }
        }
    }
}

/// <summary>A gauge that holds the last value set.</summary>
/// <remarks>Thread-safe; <see cref="Set"/> is a single atomic write.</remarks>
public sealed class SettableGauge
{
    private double _value;

    internal SettableGauge()
    {
    }

    /// <summary>The last value set (0 until set).</summary>
    public double Value => Volatile.Read(ref _value);

    /// <summary>Sets the value.</summary>
    public void Set(double value) => Volatile.Write(ref _value, value);
}
