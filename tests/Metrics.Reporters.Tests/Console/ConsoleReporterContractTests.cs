using System.Globalization;
using System.Text;
using Metrics.Reporters.Tests.Contract;

namespace Metrics.Reporters.Tests.Console;

/// <summary>The reporter contract for <see cref="ConsoleReporter"/>: the backend is a writer whose text is parsed back.</summary>
public class ConsoleReporterContractTests : ReporterContract
{
    private readonly SwitchableWriter _writer = new();

    protected override Reporter CreateReporter(MetricsRegistry registry, Action<ReporterOptions> configure)
    {
        var options = new ConsoleReporterOptions { Output = _writer };
        configure(options);
        return new ConsoleReporter(registry, options);
    }

    protected override void BackendSucceeds() => _writer.Mode = WriterMode.Write;

    protected override void BackendFailsTransiently() => _writer.Mode = WriterMode.IoError;

    protected override void BackendFailsPermanently() => _writer.Mode = WriterMode.Closed;

    protected override IReadOnlyList<ReceivedPoint> Received() => ConsoleTableParser.Parse(_writer.Text);
}

internal enum WriterMode
{
    Write,
    IoError,
    Closed,
}

/// <summary>A writer that keeps what is written, or fails like a broken pipe (IOException) or a closed writer.</summary>
internal sealed class SwitchableWriter : TextWriter
{
    private readonly StringBuilder _text = new();

    public volatile WriterMode Mode;

    public override Encoding Encoding => Encoding.UTF8;

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    public override void Write(char value) => Write(value.ToString());

    public override void Write(string? value)
    {
        switch (Mode)
        {
            case WriterMode.IoError:
                throw new IOException("Broken pipe");
            case WriterMode.Closed:
                throw new ObjectDisposedException("output", "The writer is closed.");
            default:
                lock (_text)
                {
                    _text.Append(value);
                }

                break;
        }
    }

    public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.ToString());
        return Task.CompletedTask;
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Reads the console table back into points: series lines, then indented <c>field = value</c> lines.</summary>
internal static class ConsoleTableParser
{
    public static IReadOnlyList<ReceivedPoint> Parse(string text)
    {
        var points = new List<ReceivedPoint>();
        string? series = null;
        IReadOnlyDictionary<string, string> tags = new Dictionary<string, string>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line.EndsWith("===", StringComparison.Ordinal))
            {
                continue;
            }

            if (line.StartsWith(' '))
            {
                var eq = line.IndexOf(" = ", StringComparison.Ordinal);
                var field = line[..eq].Trim();
                var value = line[(eq + 3)..].Split(' ')[0];
                points.Add(new ReceivedPoint(series + "." + field, tags, double.Parse(value, CultureInfo.InvariantCulture)));
                continue;
            }

            var at = line.IndexOf(" @ ", StringComparison.Ordinal);
            var head = at >= 0 ? line[..at] : line;
            var brace = head.IndexOf(" {", StringComparison.Ordinal);
            series = brace >= 0 ? head[..brace] : head;
            tags = brace >= 0
                ? head[(brace + 2)..^1].Split(", ").Select(kv => kv.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1])
                : new Dictionary<string, string>();
        }

        return points;
    }
}
