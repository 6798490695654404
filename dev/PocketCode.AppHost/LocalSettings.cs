using System.Globalization;

namespace PocketCode.AppHost;

/// <summary>The local ports, one per process the AppHost starts.</summary>
internal sealed record LocalPorts(
    int Bff,
    int Marketplace,
    int ApiProxy,
    int Firestore,
    int Storage,
    int Dashboard,
    int DashboardOtlp,
    int DashboardResources);

/// <summary>
/// What the command line and the POCKETCODE_* environment variables ask for. The AppHost's own
/// switches are removed before Aspire sees the arguments.
/// </summary>
internal sealed class LocalSettings
{
    public const string Usage = """
        PocketCode local run (Aspire AppHost)

          dotnet run --project dev/PocketCode.AppHost [-- OPTIONS]

        Options:
          --emulators   also start Google's Firestore emulator and the storage emulator and point the
                        services at them (same as POCKETCODE_EMULATORS=1)
          --dashboard   also start the Aspire dashboard over http (same as POCKETCODE_DASHBOARD=1)
          --help        this text

        Environment (defaults in brackets):
          POCKETCODE_BFF_PORT [8080]  POCKETCODE_MARKETPLACE_PORT [8081]  POCKETCODE_API_PROXY_PORT [8082]
          POCKETCODE_FIRESTORE_PORT [8181]  POCKETCODE_STORAGE_PORT [9199]  POCKETCODE_DASHBOARD_PORT [18888]
          POCKETCODE_DATA_DIR [<repo>/.data]   GOOGLE_CLOUD_PROJECT [demo-pocketcode]
        """;

    private static readonly Dictionary<string, string> PortVariables = new(StringComparer.Ordinal)
    {
        ["bff"] = "POCKETCODE_BFF_PORT",
        ["marketplace"] = "POCKETCODE_MARKETPLACE_PORT",
        ["api-proxy"] = "POCKETCODE_API_PROXY_PORT",
        ["firestore-emulator"] = "POCKETCODE_FIRESTORE_PORT",
        ["storage-emulator"] = "POCKETCODE_STORAGE_PORT",
        ["dashboard"] = "POCKETCODE_DASHBOARD_PORT",
        ["dashboard-otlp"] = "POCKETCODE_DASHBOARD_PORT (+1)",
        ["dashboard-resources"] = "POCKETCODE_DASHBOARD_PORT (+2)",
    };

    private readonly List<string> _problems = [];

    private LocalSettings()
    {
    }

    public bool Emulators { get; private set; }

    public bool Dashboard { get; private set; }

    public bool ShowHelp { get; private set; }

    public string[] RemainingArgs { get; private set; } = [];

    public string ProjectId { get; private set; } = "demo-pocketcode";

    public string? DataDirectory { get; private set; }

    public LocalPorts Ports { get; private set; } = new(8080, 8081, 8082, 8181, 9199, 18888, 18889, 18890);

    public static string PortVariable(string name) => PortVariables.GetValueOrDefault(name, name);

    public static LocalSettings Parse(string[] args)
    {
        var settings = new LocalSettings
        {
            Emulators = IsOn("POCKETCODE_EMULATORS"),
            Dashboard = IsOn("POCKETCODE_DASHBOARD"),
        };

        var remaining = new List<string>();
        foreach (var arg in args)
        {
            switch (arg)
            {
                case "--emulators":
                    settings.Emulators = true;
                    break;
                case "--dashboard":
                    settings.Dashboard = true;
                    break;
                case "--help" or "-h" or "-?":
                    settings.ShowHelp = true;
                    break;
                default:
                    remaining.Add(arg);
                    break;
            }
        }

        settings.RemainingArgs = [.. remaining];
        settings.ProjectId = Variable("GOOGLE_CLOUD_PROJECT") ?? "demo-pocketcode";
        var dataDir = Variable("POCKETCODE_DATA_DIR");
        settings.DataDirectory = dataDir is null ? null : Path.GetFullPath(dataDir);

        var dashboard = settings.Port("dashboard", 18888);
        settings.Ports = new LocalPorts(
            Bff: settings.Port("bff", 8080),
            Marketplace: settings.Port("marketplace", 8081),
            ApiProxy: settings.Port("api-proxy", 8082),
            Firestore: settings.Port("firestore-emulator", 8181),
            Storage: settings.Port("storage-emulator", 9199),
            Dashboard: dashboard,
            DashboardOtlp: dashboard + 1,
            DashboardResources: dashboard + 2);
        return settings;
    }

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>(_problems);
        var duplicates = PortsToCheck().GroupBy(p => p.Port).Where(g => g.Count() > 1);
        foreach (var group in duplicates)
        {
            problems.Add($"port {group.Key} is given to more than one process: {string.Join(", ", group.Select(p => p.Name))}.");
        }

        return problems;
    }

    /// <summary>The ports this run will bind, by process name.</summary>
    public IEnumerable<(string Name, int Port)> PortsToCheck()
    {
        yield return ("bff", Ports.Bff);
        yield return ("marketplace", Ports.Marketplace);
        yield return ("api-proxy", Ports.ApiProxy);
        if (Emulators)
        {
            yield return ("firestore-emulator", Ports.Firestore);
            yield return ("storage-emulator", Ports.Storage);
        }

        if (Dashboard)
        {
            yield return ("dashboard", Ports.Dashboard);
            yield return ("dashboard-otlp", Ports.DashboardOtlp);
            yield return ("dashboard-resources", Ports.DashboardResources);
        }
    }

    private int Port(string name, int fallback)
    {
        var variable = PortVariables[name];
        var raw = Variable(variable);
        if (raw is null)
        {
            return fallback;
        }

        if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536)
        {
            return port;
        }

        _problems.Add($"{variable}='{raw}' is not a TCP port number (1-65535).");
        return fallback;
    }

    private static string? Variable(string name)
    {
        var value = Environment.GetEnvironmentVariable(name);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    private static bool IsOn(string name) =>
        Variable(name) is { } value && (value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase) || value.Equals("yes", StringComparison.OrdinalIgnoreCase));
}
