using System.Net;
using System.Net.Http.Json;
using ImageSearch.Api;
using ImageSearch.Api.Services;
using ImageSearch.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImageSearch.Tests.Security;

/// <summary>One embedding at a time and no waiting room; remote images on, from loopback, so a test can hold the slot.</summary>
public sealed class OneEmbeddingApiFixture : ApiFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["Search:MaxConcurrentEmbeddings"] = "1",
        ["Search:EmbeddingQueueLimit"] = "0",
        ["ImageLoader:RemoteImagesEnabled"] = "true",
        ["ImageLoader:AllowPrivateNetworks"] = "true"
    };
}

// The embedding work of searches runs under a concurrency limit; past it a search is told to come back, at once.
public class EmbeddingLimitTests(OneEmbeddingApiFixture fixture) : IClassFixture<OneEmbeddingApiFixture>
{
    [Fact]
    public async Task A_search_past_the_embedding_limit_gets_503_with_retry_after_and_the_held_one_still_finishes()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var release = new TaskCompletionSource();
        var requested = new TaskCompletionSource();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var slowImages = builder.Build();
        // An image host that answers only when the test says so: the search holding the slot waits on it.
        slowImages.MapGet("/slow.jpg", async () =>
        {
            requested.TrySetResult();
            await release.Task;
            return Results.Bytes(fixture.SeedImage, "image/jpeg");
        });
        await slowImages.StartAsync(cancellationToken);
        using var http = fixture.CreateClient();

        var held = http.PostAsJsonAsync("/search", new { image_url = new Uri(new Uri(slowImages.Urls.Single()), "/slow.jpg").ToString() }, cancellationToken);
        await requested.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);

        using var refused = await http.PostAsJsonAsync("/search", new { image_path = ApiFixture.SeedImagePath }, cancellationToken);
        await Problems.AssertProblemAsync(refused, "search while the only slot is held", HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(refused.Headers.RetryAfter);

        release.SetResult();
        using var finished = await held;
        Assert.Equal(HttpStatusCode.OK, finished.StatusCode);
        // The slot is free again.
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("/search", new { image_path = ApiFixture.SeedImagePath }, cancellationToken)).StatusCode);
    }

    [Fact]
    public void Each_embedding_slot_gets_a_thread_pool_thread_beyond_one_per_core()
    {
        // Embeddings hold pool threads; the pool must not have to be starved before it adds threads for other requests.
        using var limiter = new EmbeddingLimiter(Options.Create(new SearchOptions { MaxConcurrentEmbeddings = 9 }));

        ThreadPool.GetMinThreads(out var workerThreads, out _);
        Assert.True(workerThreads >= Environment.ProcessorCount + 9, $"The pool's minimum is {workerThreads} worker threads.");
    }
}
