// Local orchestration for the PocketCode backend: `dotnet run --project dev/PocketCode.AppHost`.
//
// Default mode: the three services on fixed local ports, in Development, sharing one data directory
// (SQLite documents.db + blobs/) under the repository's .data/ folder, so a restart keeps the data.
// Emulator mode (`--emulators` or POCKETCODE_EMULATORS=1): the same services pointed at Google's
// Firestore emulator and the storage emulator launcher in dev/emulators, both started here.
// `--dashboard` (or POCKETCODE_DASHBOARD=1) also starts the Aspire dashboard over plain http.
using System.Net;
using System.Net.Sockets;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PocketCode.AppHost;

var settings = LocalSettings.Parse(args);
if (settings.ShowHelp)
{
    Console.WriteLine(LocalSettings.Usage);
    return 0;
}

var problems = settings.Validate();
if (problems.Count > 0)
{
    foreach (var problem in problems)
    {
        Console.Error.WriteLine($"pocketcode: {problem}");
    }

    return 2;
}

if (settings.Dashboard)
{
    // Without a launch profile the dashboard wants an HTTPS certificate; serve it over plain http on
    // loopback instead. These are read when the builder is created.
    SetDefault("ASPNETCORE_URLS", $"http://127.0.0.1:{settings.Ports.Dashboard}");
    SetDefault("ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL", $"http://127.0.0.1:{settings.Ports.DashboardOtlp}");
    SetDefault("ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL", $"http://127.0.0.1:{settings.Ports.DashboardResources}");
    SetDefault("ASPIRE_ALLOW_UNSECURED_TRANSPORT", "true");
}

var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions
{
    Args = settings.RemainingArgs,
    DisableDashboard = !settings.Dashboard,
    AllowUnsecuredTransport = true,
});

// On Ctrl-C / SIGTERM, wait until the orchestrator has stopped every process before exiting, so
// nothing outlives the AppHost (otherwise the orchestrator cleans up some seconds later on its own).
builder.Configuration["DcpPublisher:WaitForResourceCleanup"] = "true";

// One line per message; health probes of services that are still starting and the orchestrator's
// chatter are not worth a screen of stack traces.
builder.Services.AddLogging(logging => logging
    .AddSimpleConsole(o =>
    {
        o.SingleLine = true;
        o.TimestampFormat = "HH:mm:ss ";
    })
    .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None)
    .AddFilter("Microsoft.Extensions.Http", LogLevel.Warning)
    .AddFilter("System.Net.Http", LogLevel.Warning)
    .AddFilter("Aspire.Hosting.Dcp", LogLevel.Error)
    .AddFilter("Aspire.Hosting.Health", LogLevel.Warning));

var repoRoot = RepoRoot.Find(builder.AppHostDirectory);
var dataDir = settings.DataDirectory ?? Path.Combine(repoRoot, ".data");
Directory.CreateDirectory(dataDir);

var busy = settings.PortsToCheck().Where(p => !PortIsFree(p.Port)).ToList();
if (busy.Count > 0)
{
    foreach (var (name, port) in busy)
    {
        Console.Error.WriteLine($"pocketcode: port {port} ({name}) is already in use. Stop whatever listens there, or pick another port with {LocalSettings.PortVariable(name)}.");
    }

    return 3;
}

IResourceBuilder<ExecutableResource>? firestore = null;
IResourceBuilder<ExecutableResource>? storage = null;
if (settings.Emulators)
{
    firestore = Emulators.AddFirestore(builder, settings.Ports.Firestore, dataDir);
    storage = Emulators.AddStorage(builder, settings.Ports.Storage, repoRoot, settings.ProjectId);
}

var marketplace = AddService<Projects.PocketCode_Marketplace>("marketplace", settings.Ports.Marketplace);
var apiProxy = AddService<Projects.PocketCode_ApiProxy>("api-proxy", settings.Ports.ApiProxy);
var bff = AddService<Projects.PocketCode_Bff>("bff", settings.Ports.Bff)
    .WithEnvironment("Services__Marketplace__Url", LocalUrl(settings.Ports.Marketplace))
    .WithEnvironment("Services__ApiProxy__Url", LocalUrl(settings.Ports.ApiProxy));

using var app = builder.Build();

Console.WriteLine(Banner.Starting(settings, dataDir));

var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
var exitCode = 0;

// Every process's output, prefixed with its name (the dashboard, when on, shows it too).
var printing = ResourceLogPrinter.Start(
    notifications,
    app.Services.GetRequiredService<ResourceLoggerService>(),
    [.. new IResource?[] { bff.Resource, marketplace.Resource, apiProxy.Resource, firestore?.Resource, storage?.Resource }.OfType<IResource>().Select(r => r.Name)],
    lifetime.ApplicationStopped);

lifetime.ApplicationStopping.Register(() => Console.WriteLine("pocketcode: stopping every process it started..."));

await app.StartAsync();

var readiness = Task.Run(async () =>
{
    try
    {
        await Task.WhenAll(
            new[] { bff, marketplace, apiProxy }.Select(r =>
                notifications.WaitForResourceHealthyAsync(r.Resource.Name, WaitBehavior.StopOnResourceUnavailable, lifetime.ApplicationStopping)));
        Console.WriteLine(Banner.Ready(settings, dataDir));
    }
    catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
    {
        // Stopped before everything was up.
    }
    catch (Exception e) when (e is DistributedApplicationException or InvalidOperationException)
    {
        Console.Error.WriteLine($"pocketcode: a resource failed to start ({e.Message}); see its log above. Stopping.");
        exitCode = 1;
        lifetime.StopApplication();
    }
});

await app.WaitForShutdownAsync();
await readiness;
await printing;
Console.WriteLine("pocketcode: stopped.");
return exitCode;

IResourceBuilder<ProjectResource> AddService<TProject>(string name, int port)
    where TProject : IProjectMetadata, new()
{
    var service = builder.AddProject<TProject>(name, options => options.ExcludeLaunchProfile = true)
        // Fixed port, no DCP proxy: the service itself listens on localhost:port (ASPNETCORE_URLS).
        .WithHttpEndpoint(port: port, targetPort: port, name: "http", isProxied: false)
        .WithHttpHealthCheck("/health/ready")
        .WithEnvironment("ASPNETCORE_ENVIRONMENT", "Development")
        .WithEnvironment("DOTNET_ENVIRONMENT", "Development")
        .WithEnvironment("GOOGLE_CLOUD_PROJECT", settings.ProjectId)
        .WithEnvironment("POCKETCODE_DATA_DIR", dataDir)
        // Their output is relayed through this console; escape codes would only garble it.
        .WithEnvironment("Logging__Console__FormatterOptions__ColorBehavior", "Disabled")
        // Signed local blob URLs point back at the service that issued them.
        .WithEnvironment("PUBLIC_BASE_URL", LocalUrl(port));

    if (firestore is not null && storage is not null)
    {
        var firestoreHost = LocalHost(settings.Ports.Firestore);
        var storageHost = LocalHost(settings.Ports.Storage);
        service = service
            .WithEnvironment("FIRESTORE_EMULATOR_HOST", firestoreHost)
            .WithEnvironment("STORAGE_EMULATOR_HOST", storageHost)
            .WithEnvironment("METADATA_SERVER_DETECTION", "none")
            .WaitFor(firestore)
            .WaitFor(storage);
    }
    else
    {
        // Embedded mode whatever the calling shell exports (the services inherit its environment).
        service = service
            .WithEnvironment("FIRESTORE_EMULATOR_HOST", string.Empty)
            .WithEnvironment("STORAGE_EMULATOR_HOST", string.Empty);
    }

    return service;
}

static string LocalUrl(int port) => "http://" + LocalHost(port);

static string LocalHost(int port) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"127.0.0.1:{port}");

static void SetDefault(string name, string value)
{
    if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)))
    {
        Environment.SetEnvironmentVariable(name, value);
    }
}

static bool PortIsFree(int port)
{
    try
    {
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        listener.Stop();
        return true;
    }
    catch (SocketException)
    {
        return false;
    }
}
