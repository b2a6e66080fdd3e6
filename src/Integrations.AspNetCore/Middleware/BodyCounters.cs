using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace Metrics.AspNetCore.Middleware;

/// <summary>
/// Counts the body bytes of one request and its response while the middleware wraps them. Pooled: one instance
/// serves one request at a time, so a request allocates nothing for counting.
/// </summary>
internal sealed class BodyCounters
{
    public BodyCounters()
    {
        Response = new CountingResponseBody();
        Request = new CountingRequestStream();
    }

    public CountingResponseBody Response { get; }

    public CountingRequestStream Request { get; }
}

/// <summary>An <see cref="IHttpResponseBodyFeature"/> that passes everything to the original one and counts the bytes written.</summary>
#pragma warning disable CA1001 // The wrapper stream owns nothing: the original body belongs to the server.
internal sealed class CountingResponseBody : IHttpResponseBodyFeature
{
    private readonly WriteStream _stream;
    private readonly CountingPipeWriter _writer;
    private IHttpResponseBodyFeature _inner = null!;

    public CountingResponseBody()
    {
        _stream = new WriteStream(this);
        _writer = new CountingPipeWriter(this);
    }

    /// <summary>Bytes written since <see cref="Attach"/>.</summary>
    public long BytesWritten { get; private set; }

    public Stream Stream => _stream;

    public PipeWriter Writer => _writer;

    public void Attach(IHttpResponseBodyFeature inner)
    {
        _inner = inner;
        BytesWritten = 0;
    }

    public void Detach() => _inner = null!;

    public void DisableBuffering() => _inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => _inner.StartAsync(cancellationToken);

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        BytesWritten += count ?? Math.Max(0, new FileInfo(path).Length - offset);
        return _inner.SendFileAsync(path, offset, count, cancellationToken);
    }

    public Task CompleteAsync() => _inner.CompleteAsync();

    private sealed class WriteStream(CountingResponseBody owner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        private Stream Inner => owner._inner.Stream;

        public override void Flush() => Inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => Inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            Inner.Write(buffer, offset, count);
            owner.BytesWritten += count;
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Inner.Write(buffer);
            owner.BytesWritten += buffer.Length;
        }

        public override void WriteByte(byte value)
        {
            Inner.WriteByte(value);
            owner.BytesWritten++;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            owner.BytesWritten += count;
            return Inner.WriteAsync(buffer, offset, count, cancellationToken);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            owner.BytesWritten += buffer.Length;
            return Inner.WriteAsync(buffer, cancellationToken);
        }
    }

    private sealed class CountingPipeWriter(CountingResponseBody owner) : PipeWriter
    {
        private PipeWriter Inner => owner._inner.Writer;

        public override bool CanGetUnflushedBytes => Inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => Inner.UnflushedBytes;

        public override void Advance(int bytes)
        {
            Inner.Advance(bytes);
            owner.BytesWritten += bytes;
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => Inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => Inner.GetSpan(sizeHint);

        public override void CancelPendingFlush() => Inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => Inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => Inner.CompleteAsync(exception);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => Inner.FlushAsync(cancellationToken);

        public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
        {
            owner.BytesWritten += source.Length;
            return Inner.WriteAsync(source, cancellationToken);
        }
    }
}

#pragma warning restore CA1001

/// <summary>A read-only stream over the original request body that counts the bytes read.</summary>
internal sealed class CountingRequestStream : Stream
{
    private Stream _inner = Null;

    /// <summary>Bytes read since <see cref="Attach"/>.</summary>
    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public void Attach(Stream inner)
    {
        _inner = inner;
        BytesRead = 0;
    }

    public Stream Detach()
    {
        var inner = _inner;
        _inner = Null;
        return inner;
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => Counted(_inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Counted(_inner.Read(buffer));

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Counted(await _inner.ReadAsync(buffer.AsMemory(offset, count), cancellationToken).ConfigureAwait(false));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Counted(await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Counted(int n)
    {
        BytesRead += n;
        return n;
    }
}
