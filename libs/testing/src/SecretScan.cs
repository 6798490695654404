using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Xunit;

namespace PocketCode.Testing;

/// <summary>
/// Known secret values of a test run (keys, passwords and webhook secrets the tests register; bearer
/// tokens are recognised by their JWT shape) and a scan of every log line the run
/// captured (<see cref="LogCapture.Suite"/>) for them and for anything shaped like a JWT.
/// </summary>
public static partial class SecretScan
{
    private static readonly ConcurrentDictionary<string, string> Known = new(StringComparer.Ordinal);
    private static readonly ConcurrentQueue<string> Found = new();

    /// <summary>Any JSON Web Token (header and payload both base64url JSON): a bearer token in a log line is a leak.</summary>
    [GeneratedRegex("eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.")]
    private static partial Regex Jwt();

    /// <summary>Checks one line as it is logged: any token-shaped text, and every secret registered so far.</summary>
    public static void Inspect(string line)
    {
        if (Jwt().IsMatch(line))
        {
            Found.Enqueue("a bearer token (JWT) in: " + Jwt().Replace(line, "<jwt>.")[..Math.Min(line.Length, 300)]);
        }

        if (Leaks([line]) is { Count: > 0 } leaks && Found.Count < 100)
        {
            foreach (var leak in leaks)
            {
                Found.Enqueue(leak);
            }
        }
    }

    /// <summary>Registers secret values under a label that failures name (never the value itself).</summary>
    public static void Register(string label, params string[] values)
    {
        foreach (var value in values)
        {
            // Short values would match innocent text; every real secret here is long.
            if (value.Length >= 12)
            {
                Known.TryAdd(value, label);
            }
        }
    }

    /// <summary>Labels of the registered secrets found in <paramref name="lines"/>, with the start of the offending line.</summary>
    public static List<string> Leaks(IEnumerable<string> lines)
    {
        var secrets = Known.ToArray();
        var leaks = new List<string>();
        foreach (var line in lines)
        {
            foreach (var (value, label) in secrets)
            {
                if (line.Contains(value, StringComparison.Ordinal))
                {
                    leaks.Add($"{label} in: {line.Replace(value, "<" + label + ">", StringComparison.Ordinal)[..Math.Min(line.Length, 300)]}");
                }
            }
        }

        return leaks;
    }

    /// <summary>Fails with every leak found while logging, and of a registered secret in the kept lines.</summary>
    public static void AssertNoLeaksInSuiteLogs()
    {
        var leaks = Found.Concat(Leaks(LogCapture.Suite.Lines)).Distinct(StringComparer.Ordinal).ToList();
        Assert.True(leaks.Count == 0, "Secrets found in log lines:\n" + string.Join('\n', leaks.Take(20)));
    }
}

/// <summary>
/// An assembly fixture (<c>[assembly: AssemblyFixture(typeof(SuiteLogScan))]</c>) that scans every log
/// line of the whole test assembly when it ends, so a secret logged by any test fails the run.
/// </summary>
public sealed class SuiteLogScan : IAsyncDisposable
{
    public ValueTask DisposeAsync()
    {
        SecretScan.AssertNoLeaksInSuiteLogs();
        return ValueTask.CompletedTask;
    }
}
