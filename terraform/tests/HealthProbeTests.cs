using System.Diagnostics;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace PocketCode.Terraform.Tests;

/// <summary>The images' HEALTHCHECK program against a real server on 127.0.0.1: healthy, unhealthy, gone.</summary>
public sealed class HealthProbeTests
{
    private static readonly string ProbeDll = typeof(HealthProbeTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "HealthProbeDll").Value!;

    [Fact]
    public async Task Exits_0_when_the_service_is_live_and_1_when_it_is_not()
    {
        var healthy = true;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapGet("/health/live", () => healthy ? Results.Ok() : Results.StatusCode(503));
        await app.StartAsync(TestContext.Current.CancellationToken);
        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;

        Assert.Equal(0, await ProbeAsync(port));

        healthy = false;
        Assert.Equal(1, await ProbeAsync(port));

        await app.StopAsync(TestContext.Current.CancellationToken);
        Assert.Equal(1, await ProbeAsync(port));
    }

    private static async Task<int> ProbeAsync(int port)
    {
        Assert.True(File.Exists(ProbeDll), $"{ProbeDll} is not built.");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(ProbeDll);
        start.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        _ = await output + await error;
        return process.ExitCode;
    }
}
