using PocketCode.Testing;
using System.Net;
using PocketCode.Platform.Tests.Infrastructure;

namespace PocketCode.Platform.Tests;

public sealed class OpenApiTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Development_serves_the_document_and_the_reference_page_anonymously()
    {
        await using var app = await TestApp.StartAsync("Development");

        var document = await app.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        var json = await document.Content.ReadAsStringAsync(Cancel);
        Assert.Contains("\"/v1/me\"", json, StringComparison.Ordinal);
        Assert.Contains("\"bearer\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"/dev/tokens\"", json, StringComparison.Ordinal);

        var page = await app.GetAsync("/scalar");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Production_serves_neither_by_default()
    {
        await using var app = await TestApp.StartAsync("Production");

        await ProblemAssert.IsProblemAsync(await app.GetAsync("/openapi/v1.json"), HttpStatusCode.NotFound, ProblemCodes.NotFound);
        await ProblemAssert.IsProblemAsync(await app.GetAsync("/scalar"), HttpStatusCode.NotFound, ProblemCodes.NotFound);
    }

    [Fact]
    public async Task Production_serves_the_document_when_enabled()
    {
        await using var app = await TestApp.StartAsync("Production", new Dictionary<string, string?> { ["OpenApi:Enabled"] = "true" });

        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync("/openapi/v1.json")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.GetAsync("/scalar")).StatusCode);
    }
}
