using ImageSearch.Indexing.VectorStore;
using ImageSearch.Indexing.VectorStore.Embedded;
using ImageSearch.Tests.Infrastructure;
using StackExchange.Redis;

namespace ImageSearch.Tests.VectorStore;

// What only the embedded store does: its own index over many vectors, its change log, its outage behaviour.
public class EmbeddedVectorStoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static VectorStoreOptions Options(int retries = 2) => new()
    {
        Dimensions = TestPoints.Dimensions,
        CollectionName = $"products-test-{Guid.NewGuid():N}",
        MaxRetryAttempts = retries,
        RetryBaseDelay = TimeSpan.FromMilliseconds(50),
        SearchParallelism = 2
    };

    [Theory]
    [InlineData(RedisServerKind.Redis)]
    [InlineData(RedisServerKind.Garnet)]
    public async Task A_search_over_thousands_of_vectors_split_across_threads_is_exact(RedisServerKind kind)
    {
        await using var server = await RedisServer.StartAsync(kind);
        await using var connection = await server.ConnectAsync();
        var options = Options();
        using var store = new EmbeddedVectorStore(connection, options, VectorStoreResilience.Create(options));
        // Enough vectors that the scan runs on two threads (the threshold is 4096 a thread).
        var points = TestPoints.Many(10_000, metadata: i => new Dictionary<string, string> { ["shelf"] = (i % 4).ToString() });
        await store.UpsertAsync(points, Ct);
        var query = TestPoints.UnitVector(123_456);

        var hits = await store.SearchAsync(new VectorSearchQuery(query, TestPoints.Model, Limit: 10, Offset: 5,
            Filter: new Dictionary<string, string> { ["shelf"] = "2" }, ExcludeProductId: "p002"), Ct);

        var expected = TestPoints.Ranked(points.Where(p => p.Payload.Metadata["shelf"] == "2" && p.ProductId != "p002"), query)
            .Skip(5).Take(10).ToList();
        Assert.Equal(expected.Select(e => e.ProductId), hits.Select(hit => hit.ProductId));
        Assert.Equal(expected.Select(e => e.Score), hits.Select(hit => hit.Score), (a, b) => Math.Abs(a - b) < 1e-4f);
        Assert.Equal(10_000, store.IndexedCount);
    }

    [Theory]
    [InlineData(RedisServerKind.Redis)]
    [InlineData(RedisServerKind.Garnet)]
    public async Task A_searching_store_reloads_when_the_data_was_wiped_under_it(RedisServerKind kind)
    {
        await using var server = await RedisServer.StartAsync(kind);
        await using var connection = await server.ConnectAsync();
        var options = Options();
        using var writer = new EmbeddedVectorStore(connection, options, VectorStoreResilience.Create(options));
        using var searcher = new EmbeddedVectorStore(connection, options, VectorStoreResilience.Create(options));
        await writer.UpsertAsync(TestPoints.Many(10), Ct);
        var query = TestPoints.UnitVector(1000);
        Assert.Equal(10, (await searcher.SearchAsync(new VectorSearchQuery(query, TestPoints.Model, Limit: 50), Ct)).Count);

        await connection.GetServers()[0].FlushAllDatabasesAsync();
        var afterWipe = TestPoints.Many(3, seedOffset: 700);
        await writer.UpsertAsync(afterWipe, Ct);

        // The sequence restarted below what the searcher had applied: it must notice and start over.
        var hits = await searcher.SearchAsync(new VectorSearchQuery(query, TestPoints.Model, Limit: 50), Ct);
        Assert.Equal(TestPoints.Ranked(afterWipe, query).Select(e => e.ProductId), hits.Select(hit => hit.ProductId));
    }

    [Fact]
    public async Task Writes_are_stored_as_one_hash_per_product_and_a_change_log()
    {
        await using var server = await RedisServer.StartAsync(RedisServerKind.Redis);
        await using var connection = await server.ConnectAsync();
        var options = Options();
        using var store = new EmbeddedVectorStore(connection, options, VectorStoreResilience.Create(options));
        await store.UpsertAsync(TestPoints.Many(2), Ct);
        await store.DeleteAsync("p000", Ct);

        var database = connection.GetDatabase();
        var prefix = options.CollectionName;
        Assert.Equal(3, (long)await database.StringGetAsync($"{prefix}:sequence"));
        var changes = await database.SortedSetRangeByRankWithScoresAsync($"{prefix}:changes");
        Assert.Equal([("p001", 2d), ("p000", 3d)], changes.Select(c => ((string)c.Element!, c.Score)));
        Assert.False(await database.KeyExistsAsync($"{prefix}:point:p000"));
        var vectorBytes = (byte[])(await database.HashGetAsync($"{prefix}:point:p001", "vector"))!;
        Assert.Equal(TestPoints.Dimensions * sizeof(float), vectorBytes.Length);
    }

    [Theory]
    [InlineData(RedisServerKind.Redis)]
    [InlineData(RedisServerKind.Garnet)]
    public async Task An_unreachable_server_surfaces_as_VectorStoreUnavailableException(RedisServerKind kind)
    {
        await using var server = await RedisServer.StartAsync(kind);
        var configuration = ConfigurationOptions.Parse(server.ConnectionString);
        // Fail at once while disconnected instead of queueing commands until they time out.
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(configuration);
        var options = Options(retries: 1);
        using var store = new EmbeddedVectorStore(connection, options, VectorStoreResilience.Create(options));
        var point = TestPoints.Point("sku-1", TestPoints.UnitVector(1));
        await store.UpsertAsync([point], Ct);

        await server.KillAsync();

        var upsert = await Assert.ThrowsAsync<VectorStoreUnavailableException>(() => store.UpsertAsync([point], Ct));
        Assert.True(VectorStoreResilience.IsTransient(upsert.InnerException!));
        await Assert.ThrowsAsync<VectorStoreUnavailableException>(() =>
            store.SearchAsync(new VectorSearchQuery(point.Vector, TestPoints.Model), Ct));
    }

    [Fact]
    public async Task A_call_made_while_the_server_restarts_succeeds_once_it_is_back()
    {
        await using var server = await RedisServer.StartAsync(RedisServerKind.Redis);
        await using var connection = await server.ConnectAsync();
        var options = Options(retries: 8);
        using var store = new EmbeddedVectorStore(connection, options, VectorStoreResilience.Create(options));
        await store.UpsertAsync([TestPoints.Point("sku-1", TestPoints.UnitVector(1))], Ct);

        await server.StopAsync();
        var restart = server.StartAsync();
        var point = await store.GetAsync("sku-1", Ct);
        await restart;

        Assert.NotNull(point);
    }
}
