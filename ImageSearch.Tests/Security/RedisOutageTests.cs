using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ImageSearch.Tests.Infrastructure;

namespace ImageSearch.Tests.Security;

// Issue 9, defect 7: the API in-process over a real redis-server that the test stops and starts again.
public class RedisOutageTests : IAsyncLifetime
{
    private readonly ApiFixture _api = new();

    public ValueTask InitializeAsync() => _api.InitializeAsync();

    public ValueTask DisposeAsync() => _api.DisposeAsync();

    [Fact]
    public async Task While_Redis_is_down_every_endpoint_that_needs_it_answers_503_with_retry_after_then_serves_again_by_itself()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var http = _api.CreateClient();
        var taskId = Guid.CreateVersion7().ToString();
        Func<HttpRequestMessage>[] requests =
        [
            () => Post("/queue/enqueue", new { product_id = "p-1", image_path = ApiFixture.SeedImagePath }),
            () => Post("/queue/enqueue/batch", new { tasks = new[] { new { product_id = "p-2", image_path = ApiFixture.SeedImagePath } } }),
            () => new HttpRequestMessage(HttpMethod.Get, $"/queue/status/{taskId}"),
            () => new HttpRequestMessage(HttpMethod.Get, "/queue/stats"),
            () => new HttpRequestMessage(HttpMethod.Get, "/queue/workers"),
            () => new HttpRequestMessage(HttpMethod.Get, "/queue/dead"),
            () => new HttpRequestMessage(HttpMethod.Post, "/queue/flush"),
            () => new HttpRequestMessage(HttpMethod.Post, $"/queue/dead/{taskId}/requeue"),
            () => new HttpRequestMessage(HttpMethod.Post, $"/queue/tasks/{taskId}/cancel"),
            () => new HttpRequestMessage(HttpMethod.Get, $"/products/{ApiFixture.SeedProductId}"),
            () => new HttpRequestMessage(HttpMethod.Get, $"/products/{ApiFixture.SeedProductId}/similar"),
            () => new HttpRequestMessage(HttpMethod.Delete, "/products/not-indexed"),
            () => Post("/search", new { image_path = ApiFixture.SeedImagePath })
        ];

        await _api.Redis.KillAsync();
        foreach (var request in requests)
        {
            using var message = request();
            var what = $"{message.Method} {message.RequestUri} with Redis down";
            using var response = await http.SendAsync(message, cancellationToken);
            var problem = await Problems.AssertProblemAsync(response, what, HttpStatusCode.ServiceUnavailable);
            Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"{what}: no Retry-After");
            Assert.DoesNotContain(_api.Redis.Port.ToString(), problem.ToString());
        }

        // /health says which check failed, not the exception (which names the server's address).
        using var health = new HttpRequestMessage(HttpMethod.Get, "/health");
        health.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var healthResponse = await http.SendAsync(health, cancellationToken);
        var report = await healthResponse.Content.ReadAsStringAsync(cancellationToken);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, healthResponse.StatusCode);
        Assert.Contains("Unhealthy", report);
        Assert.DoesNotContain(_api.Redis.Port.ToString(), report);
        Assert.DoesNotContain("Exception", report);

        await _api.Redis.StartAsync();
        foreach (var request in requests)
        {
            await Eventually.HoldsAsync(async () =>
            {
                using var message = request();
                using var response = await http.SendAsync(message, cancellationToken);
                return response.StatusCode != HttpStatusCode.ServiceUnavailable && (int)response.StatusCode < 500;
            }, $"{request().RequestUri} is served again", TimeSpan.FromSeconds(60));
        }
    }

    private static HttpRequestMessage Post(string path, object body) => new(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
}
