extern alias ApiProxy;
extern alias Bff;
extern alias Marketplace;

using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PocketCode.Storage.Documents;
using PocketCode.Terraform.Tests;
using Xunit;

[assembly: HostingStartup(typeof(RecordingHostingStartup))]

namespace PocketCode.Terraform.Tests;

/// <summary>What happened when a service started in Production with a given environment.</summary>
public sealed record LaunchResult(string? Failure, IReadOnlySet<string> ReadKeys, DocumentStoreRequirementsCatalog? Requirements)
{
    public bool Started => Failure is null;
}

/// <summary>Starts one service in memory (Production) with exactly the given environment variables.</summary>
public interface IServiceLauncher
{
    Task<LaunchResult> LaunchAsync(IReadOnlyDictionary<string, string> environment);
}

/// <summary>The Cloud Run services of <c>cloud_run.tf</c> by Terraform resource name, and the code each one runs.</summary>
public static class CloudRunServices
{
    public static IReadOnlyDictionary<string, IServiceLauncher> ByResourceName { get; } = new Dictionary<string, IServiceLauncher>(StringComparer.Ordinal)
    {
        ["bff"] = new ServiceLauncher<Bff::Program>(),
        ["api_proxy"] = new ServiceLauncher<ApiProxy::Program>(),
        ["marketplace"] = new ServiceLauncher<Marketplace::Program>(),
    };

    public static TheoryData<string> Names => [.. ByResourceName.Keys];

    private static readonly ConcurrentDictionary<string, Lazy<Task<LaunchResult>>> TerraformLaunches = new(StringComparer.Ordinal);

    /// <summary>The service started once per test run with the environment Terraform gives it.</summary>
    public static Task<LaunchResult> LaunchAsTerraformConfiguresAsync(string service) =>
        TerraformLaunches.GetOrAdd(service, name => new Lazy<Task<LaunchResult>>(async () =>
        {
            var config = await TerraformConfig.LoadAsync();
            var environment = CloudRunEnvironment.Resolve(config, CloudRunEnvironment.Variables(config, name));
            return await ByResourceName[name].LaunchAsync(environment);
        })).Value;

    /// <summary>Environment variable name → ASP.NET Core configuration key (<c>A__B</c> → <c>A:B</c>).</summary>
    public static string ConfigurationKey(string variable) => variable.Replace("__", ":", StringComparison.Ordinal);
}

internal sealed class ServiceLauncher<TProgram> : IServiceLauncher
    where TProgram : class
{
    public async Task<LaunchResult> LaunchAsync(IReadOnlyDictionary<string, string> environment)
    {
        var source = new RecordingConfigurationSource(environment.ToDictionary(
            pair => CloudRunServices.ConfigurationKey(pair.Key), pair => (string?)pair.Value, StringComparer.OrdinalIgnoreCase));
        var dataDirectory = Directory.CreateTempSubdirectory("pocketcode-tf-").FullName;
        try
        {
            using var recording = RecordingHostingStartup.Use(source);
            await using var factory = new ProductionFactory(dataDirectory);
            try
            {
                using var client = factory.CreateClient();
                using var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
                live.EnsureSuccessStatusCode();
                return new LaunchResult(null, source.ReadKeys, factory.Services.GetService<DocumentStoreRequirementsCatalog>());
            }
            catch (Exception ex)
            {
                return new LaunchResult(Describe(ex), source.ReadKeys, null);
            }
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static string Describe(Exception ex)
    {
        var messages = new List<string>();
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            messages.Add(e.GetType().Name + ": " + e.Message);
            if (e is AggregateException aggregate)
            {
                messages.AddRange(aggregate.InnerExceptions.Select(inner => inner.GetType().Name + ": " + inner.Message));
            }
        }

        return string.Join(" --> ", messages.Distinct());
    }

    private sealed class ProductionFactory(string dataDirectory) : WebApplicationFactory<TProgram>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            // The recording source must be in the service's configuration before Program.cs reads
            // anything (WebApplicationFactory applies its own configuration only at Build()), so it
            // comes through a hosting startup, which the web host runs as the builder is created.
            builder.UseEnvironment(Environments.Production);
            builder.UseSetting(WebHostDefaults.HostingStartupAssembliesKey, typeof(RecordingHostingStartup).Assembly.GetName().Name);
            // Only keeps a stray embedded store out of the working directory.
            builder.UseSetting("POCKETCODE_DATA_DIR", dataDirectory);
        }
    }
}

/// <summary>Adds the recording configuration source of the launch named by <see cref="IdKey"/>.</summary>
internal sealed class RecordingHostingStartup : IHostingStartup
{
    // The launch in progress on this async flow (the service's entry point runs on a thread that
    // inherits it), so launches running in parallel each get their own source.
    private static readonly AsyncLocal<RecordingConfigurationSource?> Current = new();

    public static IDisposable Use(RecordingConfigurationSource source)
    {
        Current.Value = source;
        return new Reset();
    }

    public void Configure(IWebHostBuilder builder)
    {
        if (Current.Value is { } source)
        {
            builder.ConfigureAppConfiguration(configuration => configuration.Add(source));
        }
    }

    private sealed class Reset : IDisposable
    {
        public void Dispose() => Current.Value = null;
    }
}

/// <summary>A configuration source holding the given values that records every key looked up in it.</summary>
internal sealed class RecordingConfigurationSource(IDictionary<string, string?> values) : IConfigurationSource
{
    private readonly ConcurrentDictionary<string, bool> _reads = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlySet<string> ReadKeys => new HashSet<string>(_reads.Keys, StringComparer.OrdinalIgnoreCase);

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider(values, _reads);

    private sealed class Provider(IDictionary<string, string?> values, ConcurrentDictionary<string, bool> reads) : ConfigurationProvider
    {
        public override void Load() => Data = new Dictionary<string, string?>(values, StringComparer.OrdinalIgnoreCase);

        public override bool TryGet(string key, out string? value)
        {
            reads[key] = true;
            return base.TryGet(key, out value);
        }
    }
}
