using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Primitives;
using PocketCode.Platform.Tests.Infrastructure;
using PocketCode.Testing;

namespace PocketCode.Platform.Tests;

/// <summary>The rules every service shares: validation, paging, options checks, entity tags, bounded bodies, problem headers.</summary>
public sealed class SharedRulesTests(SignedTokenFixture fixture) : IClassFixture<SignedTokenFixture>
{
    private TestApp App => fixture.App;

    private Task<HttpResponseMessage> GetAsync(string path) =>
        App.Client.SendAsync(TestApp.Request(HttpMethod.Get, path, fixture.Issuer.Sign(fixture.Issuer.ValidClaims())), Ct);

    [Fact]
    public async Task A_problem_exception_carries_its_retry_after_header_through_the_handler()
    {
        using var response = await GetAsync("/v1/busy");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.TooManyRequests, ProblemCodes.RateLimited);
        Assert.Equal(TimeSpan.FromSeconds(3), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task Field_errors_answer_one_validation_problem_with_every_field_including_an_empty_member_name()
    {
        using var response = await GetAsync("/v1/fields");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed);
        var errors = problem.GetProperty("errors");
        Assert.Equal(["name is required."], errors.GetProperty("name").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["Unknown member."], errors.GetProperty("").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("One or more fields are invalid; see errors.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public void One_invalid_field_is_the_detail_itself()
    {
        var problem = FieldErrors.Invalid("q", "q is too long.");

        Assert.Equal((400, ProblemCodes.ValidationFailed, "q is too long."), (problem.Status, problem.Code, problem.Message));
        var errors = Assert.IsType<Dictionary<string, string[]>>(problem.Extensions!["errors"]);
        Assert.Equal(["q is too long."], errors["q"]);
        Assert.True(new FieldErrors().Check("a", null).IsEmpty);
        new FieldErrors().Check("a", null).ThrowIfAny();
    }

    [Theory]
    [InlineData("", 20)]
    [InlineData("?pageSize=7", 7)]
    [InlineData("?pageSize=100", 100)]
    [InlineData("?pageSize=101", 100)]
    [InlineData("?pageSize=2147483647", 100)]
    public async Task A_page_size_is_the_default_the_request_or_at_most_the_maximum(string query, int expected)
    {
        using var response = await GetAsync("/v1/page" + query);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("size").GetInt32());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    public async Task A_page_size_below_one_is_a_validation_problem_naming_it(string size)
    {
        using var response = await GetAsync("/v1/page?pageSize=" + size);

        await ProblemAssert.IsValidationProblemAsync(response, PageSizes.Field);
    }

    [Fact]
    public void Options_failures_name_each_setting_and_pass_when_nothing_failed()
    {
        var result = new OptionsFailures("Section")
            .Positive("Size", 0)
            .Positive("Lifetime", TimeSpan.FromSeconds(5))
            .NotNegative("Grace", -1)
            .AtLeast("Max", 5, "Default", 10)
            .HttpsUrl("Api", new Uri("http://example.com/"))
            .HttpsUrl("Local", new Uri("http://127.0.0.1:8080/"))
            .Result();

        Assert.True(result.Failed);
        Assert.Equal(
            ["Section:Size must be positive.", "Section:Grace cannot be negative.", "Section:Max must be at least Default.", "Section:Api must be an https URL (plain http only on loopback)."],
            result.Failures);
        Assert.True(new OptionsFailures("Section").Positive("Size", 1).Result().Succeeded);
    }

    [Theory]
    [InlineData("\"v1\"", "v1", true, true)]
    [InlineData("W/\"v1\"", "v1", true, false)]
    [InlineData("*", "v1", true, true)]
    [InlineData("\"v2\", \"v1\"", "v1", true, true)]
    [InlineData("\"v2\"", "v1", false, false)]
    [InlineData("not-a-tag", "v1", false, false)]
    public void Entity_tags_compare_weakly_for_if_none_match_and_strongly_for_if_match(string header, string current, bool noneMatchHits, bool matchHolds)
    {
        Assert.Equal(noneMatchHits, EntityTags.NoneMatchHits(new StringValues(header), current));
        Assert.Equal(matchHolds, EntityTags.MatchHolds(new StringValues(header), current));
        Assert.False(EntityTags.MatchHolds(StringValues.Empty, current));
        Assert.Equal("W/\"v1\"", EntityTags.Weak("v1"));
    }

    [Fact]
    public async Task A_refusing_length_limited_stream_throws_413_once_the_limit_is_crossed()
    {
        var limited = LengthLimitedStream.Refusing(new MemoryStream(new byte[11]), 10, "file");

        var thrown = await Assert.ThrowsAsync<ProblemException>(() => limited.CopyToAsync(Stream.Null, Ct));

        Assert.Equal((413, ProblemCodes.PayloadTooLarge), (thrown.Status, thrown.Code));
        Assert.True(limited.Exceeded);
        var exact = LengthLimitedStream.Refusing(new MemoryStream(new byte[10]), 10, "file");
        await exact.CopyToAsync(Stream.Null, Ct);
        Assert.False(exact.Exceeded);
    }

    [Fact]
    public async Task An_ending_length_limited_stream_passes_one_byte_past_the_limit_and_then_ends()
    {
        var source = new MemoryStream(Encoding.ASCII.GetBytes("0123456789ABCDEF"));
        var limited = new LengthLimitedStream(source, 10);
        var copy = new MemoryStream();

        await limited.CopyToAsync(copy, Ct);

        Assert.Equal("0123456789A", Encoding.ASCII.GetString(copy.ToArray()));
        Assert.True(limited.Exceeded);
        Assert.Equal(11, source.Position);
    }
}
