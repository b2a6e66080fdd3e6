using Metrics.Reporters.Formatting;

namespace Metrics.Reporters.Wavefront;

/// <summary>
/// The checked, sanitized and escaped text of metric lines around their value and timestamp (<c>"name" </c> and
/// <c> source="source" "k"="v"...\n</c>), kept per point name, tags and source, so a report writes each point as two
/// copies, a number and a timestamp. Shared by the writers and the validation of one backend; thread-safe and bounded
/// (<see cref="LineCache{TEntry}"/>).
/// </summary>
internal sealed class WavefrontMetricLines
{
    private readonly LineCache<Line> _lines = new();

    /// <summary>The line parts for <paramref name="name"/>, <paramref name="tags"/> and <paramref name="source"/>, made on first use.</summary>
    public Line Get(string name, Tags tags, string source)
    {
        var line = _lines.Find(name, tags, source);
        if (line is null)
        {
            line = WavefrontLineWriter.BuildMetricLine(name, tags, source);
            _lines.Add(line);
        }

        return line;
    }

    /// <summary>One point name's metric line without value and timestamp, or why it cannot be written.</summary>
    internal sealed class Line(string name, Tags tags, string source, byte[] text, int headLength, string? nameError, string? sourceTagsError)
        : LineCacheEntry(name, tags, source)
    {
        /// <summary>
        /// UTF-8: <c>"name" </c> (sanitized; <see cref="HeadLength"/> bytes), then <c> source="source" "k"="v"...\n</c>
        /// (escaped); the value and timestamp go between them.
        /// </summary>
        public byte[] Text { get; } = text;

        /// <summary>The bytes of <see cref="Text"/> before the value.</summary>
        public int HeadLength { get; } = headLength;

        /// <summary>Why the name cannot be written, or null.</summary>
        public string? NameError { get; } = nameError;

        /// <summary>Why the source or a tag cannot be written, or null.</summary>
        public string? SourceTagsError { get; } = sourceTagsError;
    }
}
