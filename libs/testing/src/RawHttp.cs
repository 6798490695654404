using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace PocketCode.Testing;

/// <summary>How one HTTP/1.1 exchange on a fresh socket ended.</summary>
public enum RawHttpOutcome
{
    /// <summary>The connection was refused: nothing listens.</summary>
    ConnectionRefused,

    /// <summary>The connection was closed or reset before a single byte of a response arrived: a closing server's refusal.</summary>
    ClosedBeforeAnswer,

    /// <summary>A complete response (status line, headers and the whole body its framing promised).</summary>
    Answered,

    /// <summary>Part of a response arrived, then the connection ended: never acceptable.</summary>
    CutShort,
}

/// <summary>A complete response read off the socket.</summary>
public sealed record RawHttpResponse(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    /// <summary>The response told the client not to reuse the connection.</summary>
    public bool AnnouncesClose =>
        Headers.TryGetValue("Connection", out var connection) && connection.Contains("close", StringComparison.OrdinalIgnoreCase);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>One exchange: its outcome, the response when complete, and what was seen otherwise.</summary>
public sealed record RawHttpExchange(RawHttpOutcome Outcome, RawHttpResponse? Response, string Detail);

/// <summary>
/// HTTP/1.1 on a socket of its own, read byte for byte. HttpClient pools connections, retries some
/// failures and folds the rest into one exception type, which hides exactly what the tests of
/// connection behaviour check: whether a server that closes a connection said so first, and whether
/// a response was refused cleanly or cut short. No library reads those outcomes, hence this reader.
/// </summary>
public sealed class RawHttpConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private int _received;

    private RawHttpConnection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Connects to the host and port of <paramref name="server"/>.</summary>
    public static async Task<RawHttpConnection> OpenAsync(Uri server, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(server.Host, server.Port, cancellationToken);
            return new RawHttpConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens a connection, sends <paramref name="request"/> and reads one response, classifying how
    /// the exchange ended instead of throwing for a refused, reset or closed connection.
    /// </summary>
    public static async Task<RawHttpExchange> ExchangeAsync(Uri server, ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        RawHttpConnection connection;
        try
        {
            connection = await OpenAsync(server, cancellationToken);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return new RawHttpExchange(RawHttpOutcome.ConnectionRefused, null, ex.Message);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            // The handshake was under way as the listener closed.
            return new RawHttpExchange(RawHttpOutcome.ClosedBeforeAnswer, null, "reset while connecting: " + ex.Message);
        }

        await using (connection)
        {
            return await connection.ExchangeAsync(request, cancellationToken);
        }
    }

    /// <summary>Sends <paramref name="request"/> on this connection and reads one response, classified.</summary>
    public async Task<RawHttpExchange> ExchangeAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        try
        {
            await _stream.WriteAsync(request, cancellationToken);
        }
        catch (IOException ex) when (ex.InnerException is SocketException)
        {
            // A write into a connection the server already reset: nothing was answered.
            return new RawHttpExchange(RawHttpOutcome.ClosedBeforeAnswer, null, ex.Message);
        }

        var before = _received;
        try
        {
            var response = await ReadResponseAsync(cancellationToken);
            return new RawHttpExchange(RawHttpOutcome.Answered, response, $"{response.Status}");
        }
        catch (RawHttpEndedException ended)
        {
            var outcome = ended.BytesReceived == before ? RawHttpOutcome.ClosedBeforeAnswer : RawHttpOutcome.CutShort;
            return new RawHttpExchange(outcome, null, ended.Message);
        }
    }

    /// <summary>Writes raw bytes (a request, or part of one).</summary>
    public async Task SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        await _stream.WriteAsync(bytes, cancellationToken);

    /// <summary>Reads one complete response; throws <see cref="RawHttpEndedException"/> when the connection ends first.</summary>
    public async Task<RawHttpResponse> ReadResponseAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var headerEnd = await FillUntilAsync("\r\n\r\n"u8.ToArray(), cancellationToken);
            var head = Encoding.ASCII.GetString(_buffer, _start, headerEnd - _start);
            _start = headerEnd + 4;
            var lines = head.Split("\r\n");
            var statusParts = lines[0].Split(' ', 3);
            if (statusParts.Length < 2 || !statusParts[0].StartsWith("HTTP/1.", StringComparison.Ordinal))
            {
                throw new InvalidDataException($"Not an HTTP/1.x status line: '{lines[0]}'.");
            }

            var status = int.Parse(statusParts[1], CultureInfo.InvariantCulture);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in lines.Skip(1))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                var name = line[..colon].Trim();
                var value = line[(colon + 1)..].Trim();
                headers[name] = headers.TryGetValue(name, out var earlier) ? earlier + ", " + value : value;
            }

            if (status is >= 100 and < 200)
            {
                continue; // 100 Continue and friends precede the real response.
            }

            var body = headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase)
                ? await ReadChunkedAsync(cancellationToken)
                : headers.TryGetValue("Content-Length", out var length)
                    ? await ReadExactlyAsync(int.Parse(length, CultureInfo.InvariantCulture), cancellationToken)
                    : status is 204 or 304 ? [] : await ReadToCloseAsync(cancellationToken);
            return new RawHttpResponse(status, headers, body);
        }
    }

    /// <summary>
    /// Waits until the server closes the connection (true) or <paramref name="wait"/> passes with the
    /// connection still open (false). Bytes that arrive meanwhile are an error: nothing was asked.
    /// </summary>
    public async Task<bool> ClosedByServerWithinAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(wait);
        try
        {
            var read = await ReadMoreAsync(timer.Token);
            if (read > 0)
            {
                throw new InvalidDataException($"{read} unrequested bytes arrived: '{Encoding.ASCII.GetString(_buffer, _start, _end - _start)}'.");
            }

            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (RawHttpEndedException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _socket.Dispose();
    }

    private async Task<byte[]> ReadChunkedAsync(CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        while (true)
        {
            var lineEnd = await FillUntilAsync("\r\n"u8.ToArray(), cancellationToken);
            var sizeText = Encoding.ASCII.GetString(_buffer, _start, lineEnd - _start).Split(';')[0].Trim();
            _start = lineEnd + 2;
            var size = int.Parse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                // Trailers (none expected) end with an empty line.
                var trailerEnd = await FillUntilAsync("\r\n"u8.ToArray(), cancellationToken);
                _start = trailerEnd + 2;
                return body.ToArray();
            }

            body.Write(await ReadExactlyAsync(size, cancellationToken));
            var crlf = await ReadExactlyAsync(2, cancellationToken);
            if (crlf is not [(byte)'\r', (byte)'\n'])
            {
                throw new InvalidDataException("A chunk is not followed by CRLF.");
            }
        }
    }

    private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
    {
        var result = new byte[count];
        var copied = 0;
        while (copied < count)
        {
            if (_start == _end)
            {
                await ReadMoreAsync(cancellationToken);
            }

            var take = Math.Min(count - copied, _end - _start);
            Array.Copy(_buffer, _start, result, copied, take);
            _start += take;
            copied += take;
        }

        return result;
    }

    private async Task<byte[]> ReadToCloseAsync(CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        try
        {
            while (true)
            {
                body.Write(_buffer, _start, _end - _start);
                _start = _end;
                await ReadMoreAsync(cancellationToken);
            }
        }
        catch (RawHttpEndedException ended) when (!ended.Reset)
        {
            return body.ToArray();
        }
    }

    // Returns the index where the marker starts, reading more until it is in the buffer.
    private async Task<int> FillUntilAsync(byte[] marker, CancellationToken cancellationToken)
    {
        while (true)
        {
            var found = _buffer.AsSpan(_start, _end - _start).IndexOf(marker);
            if (found >= 0)
            {
                return _start + found;
            }

            await ReadMoreAsync(cancellationToken);
        }
    }

    private async Task<int> ReadMoreAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            throw new InvalidDataException("A response line or header block is larger than the reader's buffer.");
        }

        int read;
        try
        {
            read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        }
        catch (IOException ex) when (ex.InnerException is SocketException socket)
        {
            throw new RawHttpEndedException(_received, reset: true, $"connection {socket.SocketErrorCode} after {_received} bytes");
        }

        if (read == 0)
        {
            throw new RawHttpEndedException(_received, reset: false, $"connection closed after {_received} bytes");
        }

        _end += read;
        _received += read;
        return read;
    }
}

/// <summary>The connection ended (closed or reset) before the reader had what it needed.</summary>
public sealed class RawHttpEndedException(int bytesReceived, bool reset, string message) : IOException(message)
{
    /// <summary>All bytes received on the connection so far.</summary>
    public int BytesReceived { get; } = bytesReceived;

    public bool Reset { get; } = reset;
}

/// <summary>Builds request bytes, including the malformed ones a well-behaved client never sends.</summary>
public static class RawHttpRequest
{
    /// <summary>
    /// A request with a body sent as-is: <paramref name="declaredLength"/> overrides the
    /// Content-Length (to promise more than is sent), <paramref name="chunked"/> frames the body in one chunk.
    /// </summary>
    public static byte[] Build(string method, string path, string? token = null, string? contentType = null,
        byte[]? body = null, long? declaredLength = null, bool chunked = false, IEnumerable<string>? extraHeaders = null)
    {
        var head = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        if (token is not null)
        {
            head.Append(CultureInfo.InvariantCulture, $"Authorization: Bearer {token}\r\n");
        }

        if (contentType is not null)
        {
            head.Append(CultureInfo.InvariantCulture, $"Content-Type: {contentType}\r\n");
        }

        foreach (var header in extraHeaders ?? [])
        {
            head.Append(header).Append("\r\n");
        }

        body ??= [];
        byte[] framed;
        if (chunked)
        {
            head.Append("Transfer-Encoding: chunked\r\n");
            framed = body.Length == 0
                ? "0\r\n\r\n"u8.ToArray()
                : [.. Encoding.ASCII.GetBytes($"{body.Length:x}\r\n"), .. body, .. "\r\n0\r\n\r\n"u8];
        }
        else
        {
            if (body.Length > 0 || declaredLength is not null)
            {
                head.Append(CultureInfo.InvariantCulture, $"Content-Length: {declaredLength ?? body.Length}\r\n");
            }

            framed = body;
        }

        head.Append("\r\n");
        return [.. Encoding.ASCII.GetBytes(head.ToString()), .. framed];
    }
}
