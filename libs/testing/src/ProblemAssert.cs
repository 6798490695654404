using System.Net;
using System.Text.Json;
using Xunit;

namespace PocketCode.Testing;

/// <summary>Assertions on RFC 9457 problem responses, shared by every service's tests.</summary>
public static class ProblemAssert
{
    /// <summary>Asserts a problem response with the status (and code, when given); returns its JSON.</summary>
    public static async Task<JsonElement> IsProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? code = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        // The platform's members, present on every problem whatever produced it.
        var actualCode = problem.GetProperty("code").GetString();
        Assert.Equal($"https://errors.pocketcode.dev/{actualCode}", problem.GetProperty("type").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        Assert.Matches("^[0-9a-f]{32}$", problem.GetProperty("traceId").GetString());
        if (code is not null)
        {
            Assert.Equal(code, actualCode);
        }

        return problem;
    }

    /// <summary>Any 4xx problem (hostile inputs may be refused by routing, binding or the rules).</summary>
    public static async Task<JsonElement> IsClientProblemAsync(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"expected a 4xx, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>A 400 <c>validation_failed</c> problem naming <paramref name="field"/> among its errors.</summary>
    public static async Task<JsonElement> IsValidationProblemAsync(HttpResponseMessage response, string field)
    {
        var problem = await IsProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors lacks '{field}': {problem}");
        return problem;
    }
}
