using System.Text;

namespace PocketCode.AppHost;

/// <summary>What the AppHost prints so a person knows where everything is.</summary>
internal static class Banner
{
    public static string Starting(LocalSettings settings, string dataDir)
    {
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine($"pocketcode: starting ({(settings.Emulators ? "emulator mode: Firestore + storage emulators" : "embedded mode: SQLite + local blob folder")}).");
        text.AppendLine($"pocketcode:   bff          -> http://127.0.0.1:{settings.Ports.Bff}");
        text.AppendLine($"pocketcode:   marketplace  -> http://127.0.0.1:{settings.Ports.Marketplace}");
        text.AppendLine($"pocketcode:   api-proxy    -> http://127.0.0.1:{settings.Ports.ApiProxy}");
        if (settings.Emulators)
        {
            text.AppendLine($"pocketcode:   firestore emulator -> 127.0.0.1:{settings.Ports.Firestore}   storage emulator -> 127.0.0.1:{settings.Ports.Storage}");
        }

        text.AppendLine($"pocketcode:   data dir     -> {dataDir}");
        text.Append("pocketcode: waiting for /health/ready of all three services...");
        return text.ToString();
    }

    public static string Ready(LocalSettings settings, string dataDir)
    {
        var bff = $"http://127.0.0.1:{settings.Ports.Bff}";
        var line = new string('=', 100);
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine(line);
        text.AppendLine($" PocketCode is running ({(settings.Emulators ? "emulator mode" : "embedded mode")}, Development, project {settings.ProjectId})");
        text.AppendLine();
        text.AppendLine($"   bff          {bff}   (whoami: GET /v1/whoami)");
        text.AppendLine($"   marketplace  http://127.0.0.1:{settings.Ports.Marketplace}   (whoami: GET /v1/marketplace/whoami)");
        text.AppendLine($"   api-proxy    http://127.0.0.1:{settings.Ports.ApiProxy}   (whoami: GET /proxy/whoami)");
        if (settings.Emulators)
        {
            text.AppendLine($"   Firestore emulator  127.0.0.1:{settings.Ports.Firestore}   (in memory: its data is gone when it stops)");
            text.AppendLine($"   storage emulator    127.0.0.1:{settings.Ports.Storage}   (in memory: its data is gone when it stops)");
        }

        if (settings.Dashboard)
        {
            text.AppendLine($"   dashboard    http://127.0.0.1:{settings.Ports.Dashboard}   (log in with the link the dashboard logged above)");
        }

        text.AppendLine(settings.Emulators
            ? $"   data         {dataDir}   (not used by the stores in emulator mode)"
            : $"   data         {dataDir}   (documents.db + blobs/, kept across restarts; delete the folder to reset)");
        text.AppendLine();
        text.AppendLine("   Each service: /health/live  /health/ready  /openapi/v1.json  /scalar");
        text.AppendLine();
        text.AppendLine(" Get a development token (valid 1 hour) for user 'alice':");
        text.AppendLine($"   curl -s -X POST {bff}/dev/tokens -H 'Content-Type: application/json' -d '{{\"uid\":\"alice\"}}'");
        text.AppendLine(" or straight into a variable, then call the BFF with it:");
        text.AppendLine($"   TOKEN=$(curl -s -X POST {bff}/dev/tokens -H 'Content-Type: application/json' -d '{{\"uid\":\"alice\"}}' | sed -E 's/.*\"idToken\":\"([^\"]+)\".*/\\1/')");
        text.AppendLine($"   curl -s -H \"Authorization: Bearer $TOKEN\" {bff}/v1/whoami");
        text.AppendLine();
        text.AppendLine(" Stop: Ctrl-C (or SIGTERM to this process) stops every service it started.");
        text.Append(line);
        return text.ToString();
    }
}
