using ImageSearch.Tests.Infrastructure;
using ImageSearch.Indexing.Queue;
using ImageSearch.Indexing.VectorStore;
using ImageSearch.Indexing.VectorStore.Embedded;
using ImageSearch.Indexing.VectorStore.Reindexing;
using ImageSearch.Tests.Queue;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace ImageSearch.Tests.VectorStore;

/// <summary>Re-indexing after a model change, over a real Redis: the embedded store scrolled, the real queue filled.</summary>
public sealed class ReindexerTests(RedisFixture fixture) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private const string CurrentModel = "resnet18-imagenet@3";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));

    public async ValueTask InitializeAsync() => await fixture.Connection.GetServers()[0].FlushDatabaseAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Products_of_another_model_are_queued_again_from_their_payloads_and_the_progress_says_so()
    {
        var (store, queue, reindexer) = Create();
        var stale = TestPoints.Many(5, model: "resnet18-imagenet@1",
            metadata: i => new Dictionary<string, string> { ["category"] = $"c{i}" });
        var current = TestPoints.Point("fresh", TestPoints.UnitVector(99), model: CurrentModel);
        var remote = TestPoints.Point("remote", TestPoints.UnitVector(98), model: "resnet18-imagenet@1");
        remote = remote with { Payload = remote.Payload with { ImageRef = "https://images.example.com/remote.jpg" } };
        await store.UpsertAsync([.. stale, current, remote], TestContext.Current.CancellationToken);

        Assert.True(await reindexer.TryStartAsync(CurrentModel, allProducts: false, TestContext.Current.CancellationToken));
        await Eventually.HoldsAsync(async () => (await reindexer.GetProgressAsync(CurrentModel)).Status != ReindexProgress.Running, "the re-index finished");

        var progress = await reindexer.GetProgressAsync(CurrentModel);
        Assert.Equal((ReindexProgress.Completed, 7L, 6L, 0L, 1L), (progress.Status, progress.Scanned, progress.Enqueued, progress.AlreadyQueued, progress.UpToDate));
        var tasks = (await queue.TakeAsync("reindex-test", 100, TimeSpan.FromMinutes(1))).Tasks;
        Assert.Equal(stale.Select(point => point.ProductId).Append("remote").Order(), tasks.Select(task => task.ProductId).Order());
        var p002 = tasks.Single(task => task.ProductId == "p002");
        Assert.Equal((stale[2].Payload.ImageRef, stale[2].Payload.Name, "c2"), (p002.ImagePath, p002.Name, p002.Metadata["category"]));
        Assert.Equal(("https://images.example.com/remote.jpg", null), (tasks.Single(task => task.ProductId == "remote").ImageUrl, tasks.Single(task => task.ProductId == "remote").ImagePath));
    }

    [Fact]
    public async Task A_second_run_does_not_queue_products_whose_tasks_are_still_waiting_and_all_takes_current_ones_too()
    {
        var (store, _, reindexer) = Create();
        await store.UpsertAsync([TestPoints.Point("a", TestPoints.UnitVector(1), model: "old@1"), TestPoints.Point("b", TestPoints.UnitVector(2), model: CurrentModel)],
            TestContext.Current.CancellationToken);

        await RunToEndAsync(reindexer, allProducts: false);
        var second = await RunToEndAsync(reindexer, allProducts: true);

        Assert.Equal((2L, 1L, 1L, 0L), (second.Scanned, second.Enqueued, second.AlreadyQueued, second.UpToDate));
    }

    [Fact]
    public async Task Only_one_re_index_runs_at_a_time_unless_the_running_one_stopped_updating()
    {
        var (_, _, reindexer) = Create();
        await fixture.Connection.GetDatabase().HashSetAsync(Reindexer.ProgressKey,
            [new("status", ReindexProgress.Running), new("updated_ms", _time.GetUtcNow().ToUnixTimeMilliseconds())]);

        Assert.False(await reindexer.TryStartAsync(CurrentModel, allProducts: false, TestContext.Current.CancellationToken));
        _time.Advance(Reindexer.StaleAfter + TimeSpan.FromSeconds(1));
        Assert.True(await reindexer.TryStartAsync(CurrentModel, allProducts: false, TestContext.Current.CancellationToken));
        await Eventually.HoldsAsync(async () => (await reindexer.GetProgressAsync(CurrentModel)).Status == ReindexProgress.Completed, "the new run finished");
    }

    private async Task<ReindexProgress> RunToEndAsync(Reindexer reindexer, bool allProducts)
    {
        Assert.True(await reindexer.TryStartAsync(CurrentModel, allProducts, TestContext.Current.CancellationToken));
        await Eventually.HoldsAsync(async () => (await reindexer.GetProgressAsync(CurrentModel)).Status != ReindexProgress.Running, "the re-index finished");
        return await reindexer.GetProgressAsync(CurrentModel);
    }

    private (EmbeddedVectorStore Store, TaskQueue Queue, Reindexer Reindexer) Create()
    {
        var options = new VectorStoreOptions { Dimensions = TestPoints.Dimensions, CollectionName = $"reindex-{Guid.NewGuid():N}" };
        var store = new EmbeddedVectorStore(fixture.Connection, options, VectorStoreResilience.Create(options));
        var queue = new TaskQueue(fixture.Connection, Microsoft.Extensions.Options.Options.Create(new QueueOptions()), _time);
        return (store, queue, new Reindexer(store, queue, fixture.Connection, _time, NullLogger<Reindexer>.Instance) { PageSize = 2 });
    }
}
