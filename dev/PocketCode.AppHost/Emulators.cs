using System.Diagnostics;
using Aspire.Hosting.ApplicationModel;

namespace PocketCode.AppHost;

/// <summary>The emulator mode's extra processes, as Aspire executable resources.</summary>
internal static class Emulators
{
    private const string FirestoreMainClass = "com.google.cloud.datastore.emulator.firestore.CloudFirestore";

    /// <summary>
    /// Google's Firestore emulator, started as the JVM itself (not through the gcloud wrapper) so the
    /// process the orchestrator stops is the emulator. Falls back to `gcloud emulators firestore
    /// start` when the jar cannot be found. Its data lives in memory only.
    /// </summary>
    public static IResourceBuilder<ExecutableResource> AddFirestore(IDistributedApplicationBuilder builder, int port, string workingDirectory)
    {
        var jar = FindFirestoreJar();
        var emulator = jar is not null
            ? builder.AddExecutable("firestore-emulator", "java", workingDirectory,
                "-cp", jar, FirestoreMainClass, "start", "--host=127.0.0.1", $"--port={port}")
            : builder.AddExecutable("firestore-emulator", "gcloud", workingDirectory,
                "emulators", "firestore", "start", $"--host-port=127.0.0.1:{port}", "--quiet");

        // The emulator answers GET / with "Ok" once it accepts requests.
        return emulator
            .WithHttpEndpoint(port: port, targetPort: port, name: "http", isProxied: false)
            .WithHttpHealthCheck("/");
    }

    /// <summary>
    /// The storage emulator launcher in dev/emulators (the Firebase Storage emulator's GCS JSON API on
    /// Node, without Java). Installs its npm packages on first use. Its data lives in memory only.
    /// </summary>
    public static IResourceBuilder<ExecutableResource> AddStorage(IDistributedApplicationBuilder builder, int port, string repoRoot, string projectId)
    {
        var folder = Path.Combine(repoRoot, "dev", "emulators");
        var script = Path.Combine(folder, "storage-emulator.mjs");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"The storage emulator launcher '{script}' does not exist.");
        }

        EnsureNpmPackages(folder);
        return builder.AddExecutable("storage-emulator", "node", folder,
                "storage-emulator.mjs", "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--project", projectId)
            .WithHttpEndpoint(port: port, targetPort: port, name: "http", isProxied: false)
            .WithHttpHealthCheck("/internal/pocketcode");
    }

    private static string? FindFirestoreJar()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("FIRESTORE_EMULATOR_JAR");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return File.Exists(fromEnvironment)
                ? fromEnvironment
                : throw new InvalidOperationException($"FIRESTORE_EMULATOR_JAR points at '{fromEnvironment}', which does not exist.");
        }

        foreach (var sdkRoot in new[] { GcloudSdkRoot(), "/usr/lib/google-cloud-sdk" })
        {
            if (string.IsNullOrWhiteSpace(sdkRoot))
            {
                continue;
            }

            var jar = Path.Combine(sdkRoot, "platform", "cloud-firestore-emulator", "cloud-firestore-emulator.jar");
            if (File.Exists(jar))
            {
                return jar;
            }
        }

        return null;
    }

    private static string? GcloudSdkRoot()
    {
        try
        {
            var start = new ProcessStartInfo("gcloud")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add("info");
            start.ArgumentList.Add("--format=value(installation.sdk_root)");
            using var gcloud = Process.Start(start);
            if (gcloud is null)
            {
                return null;
            }

            var output = gcloud.StandardOutput.ReadToEnd();
            _ = gcloud.StandardError.ReadToEnd();
            return gcloud.WaitForExit(30_000) && gcloud.ExitCode == 0 ? output.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static void EnsureNpmPackages(string folder)
    {
        if (File.Exists(Path.Combine(folder, "node_modules", "firebase-tools", "package.json")))
        {
            return;
        }

        Console.WriteLine($"pocketcode: installing the storage emulator's npm packages in {folder} (npm ci, first run only; takes a few minutes)...");
        var start = new ProcessStartInfo("npm") { WorkingDirectory = folder, UseShellExecute = false };
        // --ignore-scripts: the launcher never loads the native modules (re2) whose build would take minutes.
        foreach (var argument in new[] { "ci", "--ignore-scripts", "--no-audit", "--no-fund" })
        {
            start.ArgumentList.Add(argument);
        }

        using var npm = Process.Start(start) ?? throw new InvalidOperationException("Cannot start npm.");
        npm.WaitForExit();
        if (npm.ExitCode != 0)
        {
            throw new InvalidOperationException($"`npm ci` in {folder} failed with exit code {npm.ExitCode}; run it by hand to see why.");
        }
    }
}
