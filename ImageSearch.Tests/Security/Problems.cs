using System.Net;
using System.Text.Json;

namespace ImageSearch.Tests.Security;

internal static class Problems
{
    /// <summary>Asserts the answer is a ProblemDetails with the expected status and no trace of a stack or of the key; returns it.</summary>
    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, string what, params HttpStatusCode[] expected)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(expected.Contains(response.StatusCode),
            $"{what}: expected {string.Join(" or ", expected.Select(s => (int)s))}, got {(int)response.StatusCode}: {body}");
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json",
            $"{what}: not a ProblemDetails ({response.Content.Headers.ContentType}): {body}");
        var problem = JsonSerializer.Deserialize<JsonElement>(body);
        Assert.Equal((int)response.StatusCode, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()), $"{what}: no title");
        // A reason, not only a status, and one shape for every refusal: detail, and errors (input → what is wrong).
        Assert.True(problem.TryGetProperty("detail", out var detail) && detail.GetString() is { Length: > 0 }, $"{what}: no detail: {body}");
        Assert.True(problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object, $"{what}: no errors object: {body}");
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception:", body, StringComparison.Ordinal);
        Assert.DoesNotContain(SecurityAppHostFixture.ApiKey, body, StringComparison.Ordinal);
        Assert.DoesNotContain(Infrastructure.ApiFixture.ApiKey, body, StringComparison.Ordinal);
        return problem;
    }
}
