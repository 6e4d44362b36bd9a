using System.Net;
using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace ImageSearch.Tests.Security;

// The API started by the AppHost with search and enqueue limited to a few requests a minute per client.
public class RateLimitingTests(LowRateLimitAppHostFixture fixture) : IClassFixture<LowRateLimitAppHostFixture>
{
    // Tokens come back once a minute; a refill during the test allows at most one more round.
    private const int MaxRequestsBefore429 = 2 * LowRateLimitAppHostFixture.PerMinute + 1;

    [Fact]
    public async Task Search_beyond_the_limit_gets_429_with_retry_after()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var http = fixture.CreateClient();

        // Remote images are off by default: a URL is refused before anything is fetched (this also spends a token).
        var refused = await Problems.AssertProblemAsync(
            await http.PostAsJsonAsync("/search", new { image_url = "https://example.com/image.jpg" }, cancellationToken),
            "URL with remote images off", HttpStatusCode.BadRequest);
        Assert.Contains("disabled", refused.GetProperty("detail").GetString());

        await AssertLimitedAsync(() => http.PostAsJsonAsync("/search", new { image_path = SecurityAppHostFixture.SeedImagePath }, cancellationToken));
    }

    [Fact]
    public async Task Enqueue_beyond_the_limit_gets_429_with_retry_after()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var http = fixture.CreateClient();

        // Invalid tasks still count against the limit, and leave the queue alone.
        await AssertLimitedAsync(() => http.PostAsJsonAsync("/queue/enqueue", new { product_id = "", image_path = "x.jpg" }, cancellationToken));
    }

    [Fact]
    public async Task With_RequireForReads_reads_need_the_key_too()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var anonymous = fixture.CreateAnonymousClient();
        using var http = fixture.CreateClient();
        // Not search: it is rate limited here, and the limiter answers before the key is checked.
        string[] reads = ["/queue/stats", "/queue/workers", "/queue/dead", "/queue/status/some-task", $"/products/{SecurityAppHostFixture.SeedProductId}"];

        foreach (var path in reads)
        {
            await Problems.AssertProblemAsync(await anonymous.GetAsync(path, cancellationToken), $"GET {path} without key", HttpStatusCode.Unauthorized);
            Assert.NotEqual(HttpStatusCode.Unauthorized, (await http.GetAsync(path, cancellationToken)).StatusCode);
        }
    }

    [Fact]
    public async Task Local_redis_has_a_password_and_listens_on_loopback()
    {
        var model = fixture.App.Services.GetRequiredService<DistributedApplicationModel>();
        var redis = model.Resources.OfType<IResourceWithConnectionString>().Single(resource => resource.Name == "redis");
        var connectionString = await redis.GetConnectionStringAsync(TestContext.Current.CancellationToken);

        Assert.NotNull(connectionString);
        var settings = connectionString.Split(',');
        Assert.Matches("^(localhost|127\\.0\\.0\\.1):[0-9]+$", settings[0]);
        Assert.Contains(settings, setting => setting.StartsWith("password=", StringComparison.Ordinal) && setting.Length > "password=".Length + 16);
    }

    private static async Task AssertLimitedAsync(Func<Task<HttpResponseMessage>> send)
    {
        for (var sent = 1; sent <= MaxRequestsBefore429; sent++)
        {
            using var response = await send();
            if (response.StatusCode != HttpStatusCode.TooManyRequests)
            {
                Assert.NotEqual(HttpStatusCode.InternalServerError, response.StatusCode);
                continue;
            }

            var problem = await Problems.AssertProblemAsync(response, "rate limited", HttpStatusCode.TooManyRequests);
            Assert.Contains("rate limit", problem.GetProperty("detail").GetString());
            var retryAfter = response.Headers.RetryAfter?.Delta;
            Assert.NotNull(retryAfter);
            Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
            return;
        }

        Assert.Fail($"No 429 after {MaxRequestsBefore429} requests with a limit of {LowRateLimitAppHostFixture.PerMinute} a minute.");
    }
}
