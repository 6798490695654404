// Hand-written: the chiseled runtime images hold no HTTP client tool to point a HEALTHCHECK at.
// Exit code 0 when http://127.0.0.1:$PORT{path} answers 2xx within 3 s, else 1 (what Docker expects).
using System.Globalization;

var port = int.TryParse(Environment.GetEnvironmentVariable("PORT"), NumberStyles.None, CultureInfo.InvariantCulture, out var configured)
    ? configured
    : 8080;
var path = args.Length > 0 ? args[0] : "/health/live";

using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
try
{
    using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}{path}"));
    await Console.Out.WriteLineAsync($"{path}: {(int)response.StatusCode}");
    return response.IsSuccessStatusCode ? 0 : 1;
}
catch (HttpRequestException ex)
{
    await Console.Error.WriteLineAsync($"{path}: {ex.Message}");
    return 1;
}
catch (TaskCanceledException)
{
    await Console.Error.WriteLineAsync($"{path}: no answer within 3 s");
    return 1;
}
