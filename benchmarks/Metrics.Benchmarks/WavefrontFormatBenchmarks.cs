using BenchmarkDotNet.Attributes;
using Metrics.Reporters.Formatting;
using Metrics.Reporters.Wavefront;

namespace Metrics.Benchmarks;

/// <summary>
/// The Wavefront metric-line format, one point per operation into a reused buffer (target: at most 100 ns per point
/// for non-integral values, no allocation).
/// </summary>
[MemoryDiagnoser]
public class WavefrontFormatBenchmarks
{
    private readonly WavefrontLineWriter _writer = new(64 * 1024);
    private readonly WavefrontLineWriter _cachedWriter = new(64 * 1024, new WavefrontMetricLines());
    private readonly char[] _floatBuffer = new char[PythonFloat.MaxLength];
    private readonly byte[] _floatBytes = new byte[PythonFloat.MaxLength];
    private readonly Tags _tags = new(("env", "prod"), ("region", "eu-west-1"));
    private int _written;
    private int _cachedWritten;

    [Benchmark(Description = "Wavefront metric line, non-integral value, 2 tags")]
    public int MetricLine()
    {
        if (++_written == 1000)
        {
            _written = 0;
            _writer.Clear();
        }

        _writer.WriteMetric("shop.checkout.latency.avg", 123.456789, 1700000000, "web-1", _tags);
        return _writer.Length;
    }

    [Benchmark(Description = "Wavefront metric line, non-integral value, 2 tags, line text cached (as a backend writes)")]
    public int CachedMetricLine()
    {
        if (++_cachedWritten == 1000)
        {
            _cachedWritten = 0;
            _cachedWriter.Clear();
        }

        _cachedWriter.WriteMetric("shop.checkout.latency.avg", 123.456789, 1700000000, "web-1", _tags);
        return _cachedWriter.Length;
    }

    [Benchmark(Description = "Python float form of a non-integral value")]
    public int PythonFloatOnly()
    {
        PythonFloat.TryFormat(123.456789, _floatBuffer, out var n);
        return n;
    }

    [Benchmark(Description = "Python float form of a non-integral value, UTF-8")]
    public int PythonFloatUtf8()
    {
        PythonFloat.TryFormat(123.456789, _floatBytes, out var n);
        return n;
    }

    [Benchmark(Description = "Python float form of a 17-digit value, UTF-8")]
    public int PythonFloatUtf8LongDigits()
    {
        PythonFloat.TryFormat(1234.5678901234567, _floatBytes, out var n);
        return n;
    }

    [Benchmark(Description = ".NET round-trip form of a 17-digit value, UTF-8 (for reference)")]
    public int DotNetRoundTripUtf8LongDigits()
    {
        1234.5678901234567.TryFormat(_floatBytes, out var n, default, System.Globalization.CultureInfo.InvariantCulture);
        return n;
    }
}
