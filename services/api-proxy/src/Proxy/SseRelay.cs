using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace PocketCode.ApiProxy.Proxy;

internal enum RelayOutcome
{
    Completed,
    IdleTimeout,
    LineTooLong,
    UpstreamBroken,
}

/// <summary>
/// Relays a provider's server-sent events to the client line by line as they arrive, flushing
/// after every read, so nothing is buffered beyond the line in progress.
/// </summary>
/// <remarks>
/// Hand-written rather than <c>System.Net.ServerSentEvents.SseParser</c>: that parser grows its
/// buffer until it finds a line end, so a provider that never sends one could grow memory without
/// bound, and it re-encodes events instead of passing the provider's bytes through unchanged. Here
/// a line longer than <see cref="ProxyOptions.MaxLineBytes"/> ends the stream with an error event,
/// and a silent provider is cut after <see cref="ProxyOptions.StreamIdleTimeout"/>.
/// </remarks>
internal static class SseRelay
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    /// <param name="onData">Called with the payload of every <c>data:</c> line (for usage counting).</param>
    /// <param name="secret">Bytes that must never reach the client (the key); replaced where found.</param>
    public static async Task<RelayOutcome> RelayAsync(
        Stream upstream,
        PipeWriter client,
        int maxLineBytes,
        TimeSpan idleTimeout,
        ReadOnlyMemory<byte> secret,
        Action<ReadOnlySpan<byte>> onData,
        CancellationToken clientAborted)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(onData);
        var reader = PipeReader.Create(upstream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4 * 1024, leaveOpen: true));
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(clientAborted);
        try
        {
            while (true)
            {
                idle.CancelAfter(idleTimeout);
                ReadResult read;
                try
                {
                    read = await reader.ReadAsync(idle.Token);
                }
                catch (OperationCanceledException) when (!clientAborted.IsCancellationRequested)
                {
                    return RelayOutcome.IdleTimeout;
                }
                catch (IOException) when (!clientAborted.IsCancellationRequested)
                {
                    return RelayOutcome.UpstreamBroken;
                }
                catch (System.Net.Http.HttpRequestException) when (!clientAborted.IsCancellationRequested)
                {
                    return RelayOutcome.UpstreamBroken;
                }

                var buffer = read.Buffer;
                while (TryReadLine(ref buffer, out var line))
                {
                    if (line.Length > maxLineBytes)
                    {
                        return RelayOutcome.LineTooLong;
                    }

                    WriteLine(client, line, secret, onData);
                }

                if (buffer.Length > maxLineBytes)
                {
                    return RelayOutcome.LineTooLong;
                }

                if (read.IsCompleted && !buffer.IsEmpty)
                {
                    // The provider ended without a final line break: pass the last line on whole.
                    WriteLine(client, buffer, secret, onData);
                    buffer = buffer.Slice(buffer.End);
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                var flush = await client.FlushAsync(clientAborted);
                if (read.IsCompleted || flush.IsCompleted)
                {
                    return RelayOutcome.Completed;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    /// <summary>A final event telling the client why the stream ended early, in the providers' error shape.</summary>
    public static async Task WriteErrorEventAsync(PipeWriter client, int code, string status, string message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var json = new ArrayBufferWriter<byte>(256);
        using (var writer = new System.Text.Json.Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteNumber("code", code);
            writer.WriteString("status", status);
            writer.WriteString("message", message);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        client.Write("\nevent: error\ndata: "u8);
        client.Write(json.WrittenSpan);
        client.Write("\n\n"u8);
        await client.FlushAsync(cancellationToken);
    }

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        var position = buffer.PositionOf((byte)'\n');
        if (position is null)
        {
            line = default;
            return false;
        }

        line = buffer.Slice(0, position.Value);
        buffer = buffer.Slice(buffer.GetPosition(1, position.Value));
        return true;
    }

    private static void WriteLine(PipeWriter client, ReadOnlySequence<byte> line, ReadOnlyMemory<byte> secret, Action<ReadOnlySpan<byte>> onData)
    {
        // Lines are bounded by maxLineBytes, so one contiguous copy of a split line is bounded too.
        var span = line.IsSingleSegment ? line.FirstSpan : line.ToArray();
        if (span.Length > 0 && span[^1] == (byte)'\r')
        {
            span = span[..^1];
        }

        if (span.StartsWith("data:"u8))
        {
            onData(span[5..]);
        }

        KeyScrubber.Write(client, span, secret.Span);
        client.Write(NewLine);
    }
}

/// <summary>Replaces every occurrence of a secret in bytes going back to the client.</summary>
internal static class KeyScrubber
{
    public static readonly byte[] Redacted = Encoding.UTF8.GetBytes(Platform.Secrets.SecretString.Redacted);

    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> data, ReadOnlySpan<byte> secret)
    {
        ArgumentNullException.ThrowIfNull(output);
        while (!secret.IsEmpty)
        {
            var at = data.IndexOf(secret);
            if (at < 0)
            {
                break;
            }

            output.Write(data[..at]);
            output.Write(Redacted);
            data = data[(at + secret.Length)..];
        }

        output.Write(data);
    }

    public static byte[] Scrub(byte[] data, ReadOnlySpan<byte> secret)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (secret.IsEmpty || data.AsSpan().IndexOf(secret) < 0)
        {
            return data;
        }

        var output = new ArrayBufferWriter<byte>(data.Length);
        Write(output, data, secret);
        return output.WrittenSpan.ToArray();
    }
}
