using System.Net;
using System.Net.Http.Json;
using ImageSearch.Tests.Infrastructure;

namespace ImageSearch.Tests.Security;

// The API in-process with search, enqueue and wrong keys limited to a few a minute per client, and the key required for
// reads. Each test speaks from client addresses of its own (documentation ranges), so their buckets do not mix.
public class RateLimitingTests(LowRateLimitApiFixture fixture) : IClassFixture<LowRateLimitApiFixture>
{
    // Tokens come back once a minute; a refill during the test allows at most one more round.
    private const int MaxRequestsBefore429 = 2 * LowRateLimitApiFixture.PerMinute + 1;

    [Fact]
    public async Task Search_beyond_the_limit_gets_429_with_retry_after()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var http = fixture.CreateClient(peer: "198.51.100.1");

        // Remote images are off by default: a URL is refused before anything is fetched (this also spends a token).
        var refused = await Problems.AssertProblemAsync(
            await http.PostAsJsonAsync("/search", new { image_url = "https://example.com/image.jpg" }, cancellationToken),
            "URL with remote images off", HttpStatusCode.BadRequest);
        Assert.Contains("disabled", refused.GetProperty("detail").GetString());

        Assert.True(await SentBefore429Async(() => http.PostAsJsonAsync("/search", new { image_path = ApiFixture.SeedImagePath }, cancellationToken)) > 0);
    }

    [Fact]
    public async Task Enqueue_beyond_the_limit_gets_429_with_retry_after()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var http = fixture.CreateClient(peer: "198.51.100.2");

        // Invalid tasks still count against the limit, and leave the queue alone.
        Assert.True(await SentBefore429Async(() => http.PostAsJsonAsync("/queue/enqueue", new { product_id = "", image_path = "x.jpg" }, cancellationToken)) > 0);
    }

    [Fact]
    public async Task An_IPv6_client_is_limited_by_its_64_prefix_not_by_each_address()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        // Every request from another address of the same /64: a per-address limit would never answer 429.
        var next = 0;
        var sent = await SentBefore429Async(async () =>
        {
            using var http = fixture.CreateClient(peer: $"2001:db8:aaaa:1:{++next:x}::1");
            return await http.PostAsJsonAsync("/queue/enqueue", new { product_id = "", image_path = "x.jpg" }, cancellationToken);
        });

        // Another /64 has a bucket of its own.
        using var neighbour = fixture.CreateClient(peer: "2001:db8:aaaa:2::1");
        Assert.NotEqual(HttpStatusCode.TooManyRequests,
            (await neighbour.PostAsJsonAsync("/queue/enqueue", new { product_id = "", image_path = "x.jpg" }, cancellationToken)).StatusCode);
        Assert.True(sent > 0);
    }

    [Fact]
    public async Task Forwarded_headers_count_only_from_a_trusted_proxy()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        // An untrusted client names a new address in X-Forwarded-For each time: it is still limited as itself.
        var next = 0;
        await SentBefore429Async(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/queue/enqueue") { Content = JsonContent.Create(new { product_id = "", image_path = "x.jpg" }) };
            request.Headers.Add("X-Forwarded-For", $"203.0.113.{++next}");
            using var http = fixture.CreateClient(peer: "198.51.100.3");
            return await http.SendAsync(request, cancellationToken);
        });

        // The trusted proxy's X-Forwarded-For is believed: a client behind it has its own bucket.
        using var viaProxy = new HttpRequestMessage(HttpMethod.Post, "/queue/enqueue") { Content = JsonContent.Create(new { product_id = "", image_path = "x.jpg" }) };
        viaProxy.Headers.Add("X-Forwarded-For", "198.51.100.3");
        using var proxy = fixture.CreateClient(peer: "192.0.2.10");
        var behindProxy = await SentBefore429Async(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/queue/enqueue") { Content = JsonContent.Create(new { product_id = "", image_path = "x.jpg" }) };
            request.Headers.Add("X-Forwarded-For", "203.0.113.200");
            return await proxy.SendAsync(request, cancellationToken);
        });
        Assert.True(behindProxy > 0, "the client behind the trusted proxy was limited as the proxy's other client");
        // And the client the proxy named is the one already limited above.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await proxy.SendAsync(viaProxy, cancellationToken)).StatusCode);
    }

    [Fact]
    public async Task Wrong_keys_are_limited_and_then_even_the_right_key_waits()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var guesser = fixture.CreateAnonymousClient(peer: "198.51.100.4");
        var wrong = 0;
        HttpResponseMessage response;
        do
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/queue/flush");
            request.Headers.Add("X-Api-Key", $"guess-{wrong++}");
            response = await guesser.SendAsync(request, cancellationToken);
        }
        while (response.StatusCode == HttpStatusCode.Unauthorized && wrong <= MaxRequestsBefore429);

        await Problems.AssertProblemAsync(response, "after wrong keys", HttpStatusCode.TooManyRequests);
        Assert.NotNull(response.Headers.RetryAfter);
        // The key is not even looked at now: guessing right does not get through (nor tell that it was right).
        using var right = fixture.CreateClient(peer: "198.51.100.4");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await right.GetAsync("/queue/stats", cancellationToken)).StatusCode);
        // Another client is not affected.
        using var other = fixture.CreateClient(peer: "198.51.100.5");
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/queue/stats", cancellationToken)).StatusCode);
    }

    [Fact]
    public async Task With_RequireForReads_reads_need_the_key_too()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var anonymous = fixture.CreateAnonymousClient(peer: "198.51.100.6");
        using var http = fixture.CreateClient(peer: "198.51.100.6");
        // Not search: it is rate limited here, and the limiter answers before the key is checked.
        string[] reads = ["/queue/stats", "/queue/workers", "/queue/dead", "/queue/status/some-task", $"/products/{ApiFixture.SeedProductId}",
            $"/images/{ApiFixture.SeedImagePath}"];

        foreach (var path in reads)
        {
            await Problems.AssertProblemAsync(await anonymous.GetAsync(path, cancellationToken), $"GET {path} without key", HttpStatusCode.Unauthorized);
            Assert.NotEqual(HttpStatusCode.Unauthorized, (await http.GetAsync(path, cancellationToken)).StatusCode);
        }
    }

    /// <summary>How many requests were answered before the first 429 (which must say why and when to retry).</summary>
    private static async Task<int> SentBefore429Async(Func<Task<HttpResponseMessage>> send)
    {
        for (var sent = 0; sent <= MaxRequestsBefore429; sent++)
        {
            using var response = await send();
            if (response.StatusCode != HttpStatusCode.TooManyRequests)
            {
                Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                continue;
            }

            var problem = await Problems.AssertProblemAsync(response, "rate limited", HttpStatusCode.TooManyRequests);
            Assert.Contains("rate limit", problem.GetProperty("detail").GetString());
            var retryAfter = response.Headers.RetryAfter?.Delta;
            Assert.NotNull(retryAfter);
            Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
            return sent;
        }

        Assert.Fail($"No 429 after {MaxRequestsBefore429} requests with a limit of {LowRateLimitApiFixture.PerMinute} a minute.");
        return 0;
    }
}
