using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using ImageSearch.Api;
using ImageSearch.Api.Services;
using ImageSearch.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace ImageSearch.Tests.Security;

/// <summary>
/// One embedding at a time and <paramref name="waiting"/> searches that may wait for it (as long as the default wait
/// lets them); remote images on, from loopback, so a test can hold the slot with a <see cref="HeldImageHost"/>.
/// </summary>
public abstract class OneEmbeddingSlotApiFixture(int waiting) : ApiFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Search:MaxConcurrentEmbeddings"] = "1",
        ["Search:EmbeddingQueueLimit"] = waiting.ToString(CultureInfo.InvariantCulture),
        ["ImageLoader:RemoteImagesEnabled"] = "true",
        ["ImageLoader:AllowPrivateNetworks"] = "true"
    };
}

public sealed class OneEmbeddingApiFixture() : OneEmbeddingSlotApiFixture(waiting: 0);

public sealed class OneEmbeddingOneWaitingApiFixture() : OneEmbeddingSlotApiFixture(waiting: 1);

// The embedding work of searches runs under a concurrency limit; past it a search is told to come back, at once.
public class EmbeddingLimitTests(OneEmbeddingApiFixture fixture) : IClassFixture<OneEmbeddingApiFixture>
{
    [Fact]
    public async Task A_search_past_the_embedding_limit_gets_503_with_retry_after_and_the_held_one_still_finishes()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var images = await HeldImageHost.StartAsync(fixture.SeedImage, cancellationToken);
        using var http = fixture.CreateClient();

        var held = await images.SearchAndHoldAsync(http, cancellationToken);

        using var refused = await http.PostAsJsonAsync("/search", new { image_path = ApiFixture.SeedImagePath }, cancellationToken);
        await Problems.AssertProblemAsync(refused, "search while the only slot is held", HttpStatusCode.ServiceUnavailable);
        // The queue's default wait (5 s): sooner, the client would likely find the queue still full.
        Assert.Equal(TimeSpan.FromSeconds(5), refused.Headers.RetryAfter?.Delta);

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

        var held = await images.SearchAndHoldAsync(http, cancellationToken);
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
