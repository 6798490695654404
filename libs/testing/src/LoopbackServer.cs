using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace PocketCode.Testing;

/// <summary>
/// The start of every stand-in for an outside service (Gemini, GitHub, FCM, Google's token and
/// metadata servers...): a slim ASP.NET Core app on 127.0.0.1 with a free port and no log output.
/// Map its routes, start it, and read its address from <c>app.Urls</c>.
/// </summary>
public static class LoopbackServer
{
    public static WebApplication Create()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        return builder.Build();
    }
}
