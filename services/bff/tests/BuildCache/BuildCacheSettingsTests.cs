using System.Net;
using PocketCode.Bff.Tests.Builds;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests.BuildCache;

/// <summary>A BFF without a cache key has the cache off; a bad key stops start-up naming the setting, never showing the value.</summary>
public sealed class BuildCacheSettingsTests(BuildsFixture fixture) : IClassFixture<BuildsFixture>
{
    [Fact]
    public async Task Without_a_signing_key_a_session_is_503_so_the_workflow_builds_without_the_cache()
    {
        // A valid token and any build id: the answer does not depend on them.
        using var anonymous = fixture.Factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/build-cache/sessions?buildId=AAAAAAAAAAAAAAAAAAAA");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", fixture.Token("octo/app", 1));
        using var response = await anonymous.SendAsync(request, Ct);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "service_unavailable");
    }

    [Theory]
    [InlineData("c2hvcnQta2V5")]
    [InlineData("not base64 at all!")]
    public async Task A_short_or_malformed_signing_key_stops_start_up_naming_the_setting(string key)
    {
        await using var factory = new ServiceFactory<Program>();
        factory.Settings["BuildCache:SigningKey"] = key;
        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        var message = error.ToString();
        Assert.Contains("BuildCache:SigningKey", message, StringComparison.Ordinal);
        Assert.DoesNotContain(key, message, StringComparison.Ordinal);
    }
}
