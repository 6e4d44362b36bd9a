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

/// <summary>One embedding at a time and one search waiting for it, as long as the default wait lets it.</summary>
public sealed class OneEmbeddingOneWaitingApiFixture : ApiFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["Search:MaxConcurrentEmbeddings"] = "1",
        ["Search:EmbeddingQueueLimit"] = "1",
        ["ImageLoader:RemoteImagesEnabled"] = "true",
        ["ImageLoader:AllowPrivateNetworks"] = "true"
    };
}

/// <summary>An image host that answers only when the test says so: a search of its image holds an embedding slot.</summary>
internal sealed class HeldImageHost : IAsyncDisposable
{
    private readonly TaskCompletionSource _requested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication? _app;

    public string ImageUrl { get; private set; } = "";

    public static async Task<HeldImageHost> StartAsync(byte[] image, CancellationToken cancellationToken)
    {
        var host = new HeldImageHost();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        host._app = builder.Build();
        host._app.MapGet("/held.jpg", async () =>
        {
            host._requested.TrySetResult();
            await host._release.Task;
            return Results.Bytes(image, "image/jpeg");
        });
        await host._app.StartAsync(cancellationToken);
        host.ImageUrl = new Uri(new Uri(host._app.Urls.Single()), "/held.jpg").ToString();
        return host;
    }

    /// <summary>Completes when a search has asked for the image, that is, holds its slot.</summary>
    public Task Requested => _requested.Task;

    public void Release() => _release.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        Release();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

// The embedding work of searches runs under a concurrency limit; past it a search is told to come back, at once.
public class EmbeddingLimitTests(OneEmbeddingApiFixture fixture) : IClassFixture<OneEmbeddingApiFixture>
{
    [Fact]
    public async Task A_search_past_the_embedding_limit_gets_503_with_retry_after_and_the_held_one_still_finishes()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var images = await HeldImageHost.StartAsync(fixture.SeedImage, cancellationToken);
        using var http = fixture.CreateClient();

        var held = http.PostAsJsonAsync("/search", new { image_url = images.ImageUrl }, cancellationToken);
        await images.Requested.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);

        using var refused = await http.PostAsJsonAsync("/search", new { image_path = ApiFixture.SeedImagePath }, cancellationToken);
        await Problems.AssertProblemAsync(refused, "search while the only slot is held", HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(refused.Headers.RetryAfter);

        images.Release();
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

// A search that finds the slot taken waits its turn: under load a turn takes seconds, and a refusal costs the client a
// retry and the API the upload's reading again.
public class EmbeddingQueueTests(OneEmbeddingOneWaitingApiFixture fixture) : IClassFixture<OneEmbeddingOneWaitingApiFixture>
{
    [Fact]
    public async Task A_search_that_waits_two_seconds_for_the_slot_is_served_not_refused()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var images = await HeldImageHost.StartAsync(fixture.SeedImage, cancellationToken);
        using var http = fixture.CreateClient();

        var held = http.PostAsJsonAsync("/search", new { image_url = images.ImageUrl }, cancellationToken);
        await images.Requested.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        var waiting = http.PostAsJsonAsync("/search", new { image_path = ApiFixture.SeedImagePath }, cancellationToken);

        // The wait itself is what is tested: two seconds is what sixteen clients' turns take, and more than the 1 s the
        // default once was.
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        images.Release();

        using var finished = await held;
        using var served = await waiting;
        Assert.Equal(HttpStatusCode.OK, finished.StatusCode);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }
}
