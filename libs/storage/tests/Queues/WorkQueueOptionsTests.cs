using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PocketCode.Storage.PubSub;
using PocketCode.Storage.Queues;
using Xunit;

namespace PocketCode.Storage.Tests.Queues;

/// <summary>Adapter selection from configuration and the start-up checks that name each bad setting.</summary>
public sealed class WorkQueueOptionsTests
{
    private static WorkQueueOptions Read(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return WorkQueueOptions.FromConfiguration(configuration, StorageOptions.FromConfiguration(configuration));
    }

    [Fact]
    public void Nothing_configured_is_the_embedded_queue_in_the_document_store_file()
    {
        var options = Read(new() { ["POCKETCODE_DATA_DIR"] = "/tmp/somewhere" });

        Assert.Equal(WorkQueueKind.Embedded, options.Kind);
        Assert.Equal(Path.Combine("/tmp/somewhere", "documents.db"), options.DatabasePath);
        Assert.Empty(options.Problems(isDevelopment: false));
    }

    [Fact]
    public void A_topic_prefix_selects_pub_sub_which_needs_the_push_account_and_public_url()
    {
        var options = Read(new() { ["PUBSUB_TOPIC_PREFIX"] = "pocketcode-", ["GOOGLE_CLOUD_PROJECT"] = "p1" });

        Assert.Equal(WorkQueueKind.PubSub, options.Kind);
        Assert.Equal("projects/p1/topics/pocketcode-builds", PubSubNames.Topic(options, "builds"));
        var problems = string.Join(" ", options.Problems(isDevelopment: false));
        Assert.Contains("PUBSUB_PUSH_SERVICE_ACCOUNT", problems, StringComparison.Ordinal);
        Assert.Contains("PUBLIC_BASE_URL", problems, StringComparison.Ordinal);

        var complete = Read(new() { ["PUBSUB_TOPIC_PREFIX"] = "pocketcode-", ["PUBSUB_PUSH_SERVICE_ACCOUNT"] = "push@p1.iam.gserviceaccount.com", ["PUBLIC_BASE_URL"] = "https://bff.example.test" });
        Assert.Empty(complete.Problems(isDevelopment: false));
        Assert.Equal(new Uri("https://accounts.google.com"), complete.PushTokenIssuer);
    }

    [Fact]
    public void Switching_the_push_token_check_off_is_refused_outside_development()
    {
        var options = Read(new() { ["PUBSUB_TOPIC_PREFIX"] = "t-", ["PUBSUB_PUSH_AUTH_DISABLED"] = "true" });

        Assert.True(options.PushAuthenticationDisabled);
        Assert.Contains("PUBSUB_PUSH_AUTH_DISABLED", string.Join(" ", options.Problems(isDevelopment: false)), StringComparison.Ordinal);
        Assert.Empty(options.Problems(isDevelopment: true));
    }

    [Theory]
    [InlineData("WORK_QUEUE_MAX_ATTEMPTS", "4")]
    [InlineData("WORK_QUEUE_MAX_ATTEMPTS", "101")]
    [InlineData("WORK_QUEUE_HANDLER_TIMEOUT_SECONDS", "601")]
    [InlineData("WORK_QUEUE_HANDLER_TIMEOUT_SECONDS", "0")]
    public void Pub_sub_limits_are_checked_naming_the_setting(string key, string value)
    {
        var options = Read(new() { ["PUBSUB_TOPIC_PREFIX"] = "t-", ["PUBSUB_PUSH_AUTH_DISABLED"] = "true", [key] = value });

        Assert.Contains(key, string.Join(" ", options.Problems(isDevelopment: true)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_that_is_not_a_number_names_its_key()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Read(new() { ["WORK_QUEUE_MAX_ATTEMPTS"] = "five" }));
        Assert.Contains("WORK_QUEUE_MAX_ATTEMPTS", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_with_bad_queue_settings_does_not_start()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Production });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["PUBSUB_TOPIC_PREFIX"] = "t-", ["PUBSUB_EMULATOR_HOST"] = "127.0.0.1:9", ["PUBSUB_PUSH_AUTH_DISABLED"] = "true" });
        builder.AddPocketCodeWorkQueue();
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Ct));
        Assert.Contains("PUBSUB_PUSH_AUTH_DISABLED", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Back_off_doubles_from_the_minimum_up_to_the_maximum()
    {
        var options = new WorkQueueOptions { MinBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(5) };

        Assert.Equal([1, 2, 4, 5, 5], Enumerable.Range(1, 5).Select(n => options.BackoffAfter(n).TotalSeconds));
    }
}
