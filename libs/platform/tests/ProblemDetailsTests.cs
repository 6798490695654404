using PocketCode.Testing;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using PocketCode.Platform.Tests.Infrastructure;

namespace PocketCode.Platform.Tests;

public sealed class ProblemDetailsTests(SignedTokenFixture fixture) : IClassFixture<SignedTokenFixture>
{
    private TestApp App => fixture.App;

    private string Token => fixture.Issuer.Sign(fixture.Issuer.ValidClaims());

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private Task<HttpResponseMessage> PostAsync(string path, HttpContent? content)
    {
        var request = TestApp.Request(HttpMethod.Post, path, Token);
        request.Content = content;
        return App.Client.SendAsync(request, Cancel);
    }

    [Fact]
    public async Task Valid_body_binds()
    {
        var response = await PostAsync("/v1/echo", Json("""{"name":"a","count":2}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Malformed_json_is_400_bad_request()
    {
        var response = await PostAsync("/v1/echo", Json("""{"name": "a", """));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, ProblemCodes.BadRequest);
        Assert.Contains("JSON", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_json_type_is_400_naming_the_field_without_dotnet_type_names()
    {
        var response = await PostAsync("/v1/echo", Json("""{"name":"a","count":"many"}"""));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, ProblemCodes.BadRequest);
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("$.count", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_body_is_400_bad_request()
    {
        var response = await PostAsync("/v1/echo", null);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, ProblemCodes.BadRequest);
    }

    [Fact]
    public async Task Missing_required_property_is_400_naming_it()
    {
        var response = await PostAsync("/v1/echo", Json("""{"count":1}"""));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, ProblemCodes.BadRequest);
        Assert.Contains("name", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Non_json_media_type_is_415()
    {
        var response = await PostAsync("/v1/echo", new StringContent("name=a", Encoding.UTF8, "text/plain"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType, ProblemCodes.UnsupportedMediaType);
    }

    [Fact]
    public async Task Unknown_route_is_404_problem_for_anonymous_callers()
    {
        var response = await App.GetAsync("/v1/no-such-thing");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, ProblemCodes.NotFound);
        Assert.Equal("/v1/no-such-thing", problem.GetProperty("instance").GetString());
    }

    [Fact]
    public async Task Unknown_route_is_404_problem_for_signed_in_callers()
    {
        var response = await App.GetAsync("/v1/no-such-thing", Token);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, ProblemCodes.NotFound);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Wrong_method_is_405_problem_with_allow_header(bool signedIn)
    {
        var response = await App.Client.SendAsync(TestApp.Request(HttpMethod.Delete, "/v1/me", signedIn ? Token : null), Cancel);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.MethodNotAllowed, ProblemCodes.MethodNotAllowed);
        Assert.Contains("GET", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task Body_over_the_limit_with_content_length_is_413()
    {
        var json = $$"""{"name":"{{new string('x', 2000)}}","count":1}""";

        var response = await PostAsync("/v1/echo", Json(json));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, ProblemCodes.PayloadTooLarge);
        Assert.Contains("1024", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chunked_body_over_the_limit_is_413_when_the_handler_reads_it()
    {
        var content = new StreamContent(new MemoryStream(new byte[5000]));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var request = TestApp.Request(HttpMethod.Post, "/v1/upload", Token);
        request.Content = content;
        request.Headers.TransferEncodingChunked = true;

        var response = await App.Client.SendAsync(request, Cancel);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, ProblemCodes.PayloadTooLarge);
    }

    [Fact]
    public async Task Chunked_json_body_over_the_limit_is_413()
    {
        var json = Encoding.UTF8.GetBytes($$"""{"name":"{{new string('x', 2000)}}","count":1}""");
        var content = new StreamContent(new MemoryStream(json));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = TestApp.Request(HttpMethod.Post, "/v1/echo", Token);
        request.Content = content;
        request.Headers.TransferEncodingChunked = true;

        var response = await App.Client.SendAsync(request, Cancel);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, ProblemCodes.PayloadTooLarge);
    }

    [Fact]
    public async Task Unhandled_exception_is_500_without_the_message_and_is_logged_with_the_trace_id()
    {
        var response = await App.GetAsync("/v1/boom", Token);

        var body = await response.Content.ReadAsStringAsync(Cancel);
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.InternalServerError, ProblemCodes.InternalError);
        Assert.DoesNotContain("hunter2", body, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", body, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
        var traceId = problem.GetProperty("traceId").GetString();
        Assert.Contains(App.Logs.Records, r =>
            r.Level == LogLevel.Error && r.Exception?.Message == TestApp.SecretMessage && r.TraceId == traceId);
    }

    [Fact]
    public async Task ProblemException_becomes_its_status_code_detail_and_extensions()
    {
        var response = await App.GetAsync("/v1/conflict", Token);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Conflict, ProblemCodes.Conflict);
        Assert.Equal("Version 3 already exists.", problem.GetProperty("detail").GetString());
        Assert.Equal(3, problem.GetProperty("currentVersion").GetInt32());
    }

    [Fact]
    public async Task Mapped_exception_type_uses_the_service_mapping()
    {
        var response = await App.GetAsync("/v1/timeout", Token);

        var body = await response.Content.ReadAsStringAsync(Cancel);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "store_timeout");
        Assert.DoesNotContain("hunter2", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Problems_helper_results_carry_code_type_and_trace_id()
    {
        var response = await App.GetAsync("/v1/missing", Token);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, ProblemCodes.NotFound);
        Assert.Equal("Project p1 was not found.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Validation_helper_is_400_validation_failed_with_field_errors()
    {
        var response = await App.GetAsync("/v1/invalid", Token);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed);
        Assert.Equal("name is required.", problem.GetProperty("errors").GetProperty("name")[0].GetString());
    }

    [Fact]
    public async Task Forwarded_headers_from_the_front_end_set_scheme_and_client_address()
    {
        var request = TestApp.Request(HttpMethod.Get, "/v1/me", Token);
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");

        var response = await App.Client.SendAsync(request, Cancel);

        var me = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement;
        Assert.Equal("https", me.GetProperty("scheme").GetString());
        Assert.Equal("203.0.113.7", me.GetProperty("remoteIp").GetString());
    }

    [Fact]
    public async Task Json_responses_are_compressed_when_the_client_accepts_it()
    {
        var request = TestApp.Request(HttpMethod.Get, "/v1/public");
        request.Headers.AcceptEncoding.ParseAdd("gzip");

        var response = await App.Client.SendAsync(request, Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("gzip", Assert.Single(response.Content.Headers.ContentEncoding));
        Assert.True(response.Content.Headers.ContentLength is null or < 1000);
    }
}
