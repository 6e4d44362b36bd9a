using ImageSearch.Indexing.VectorStore;

namespace ImageSearch.Tests.VectorStore;

/// <summary>
/// The behaviour every <see cref="IVectorStore"/> must have. Each derived class runs these tests against one store
/// on one real server; each test works in a collection of its own.
/// </summary>
public abstract class VectorStoreContractTests : IAsyncLifetime
{
    private const float ScoreTolerance = 1e-4f;

    protected string CollectionName { get; } = $"products-test-{Guid.NewGuid():N}";

    protected IVectorStore Store { get; private set; } = null!;

    /// <summary>A new store instance on the same data, as another process would open it.</summary>
    protected abstract ValueTask<IVectorStore> OpenStoreAsync();

    /// <summary>Stops and starts the server holding the data (or skips where the test cannot do that).</summary>
    protected abstract ValueTask RestartServerAsync();

    public virtual async ValueTask InitializeAsync() => Store = await OpenStoreAsync();

    public virtual ValueTask DisposeAsync()
    {
        (Store as IDisposable)?.Dispose();
        return ValueTask.CompletedTask;
    }

    protected static VectorStoreOptions Options(string collectionName) => new()
    {
        Dimensions = TestPoints.Dimensions,
        CollectionName = collectionName,
        UpsertBatchSize = 100,
        RetryBaseDelay = TimeSpan.FromMilliseconds(100)
    };

    [Fact]
    public async Task An_upserted_point_can_be_read_back()
    {
        var point = TestPoints.Point("sku-1", TestPoints.UnitVector(1),
            metadata: new Dictionary<string, string> { ["category"] = "shoes", ["brand"] = "acme" });

        await Store.UpsertAsync([point], Ct);
        var stored = await Store.GetAsync("sku-1", Ct);

        Assert.NotNull(stored);
        AssertSameVector(point.Vector, stored.Vector);
        Assert.Equal(point.Payload with { Metadata = stored.Payload.Metadata }, stored.Payload);
        Assert.Equal(point.Payload.Metadata.OrderBy(kv => kv.Key), stored.Payload.Metadata.OrderBy(kv => kv.Key));
    }

    [Fact]
    public async Task Scrolling_pages_through_every_stored_product_of_every_model_once()
    {
        var points = TestPoints.Many(7).Concat(TestPoints.Many(3, seedOffset: 100, model: "older-model@1")
            .Select(point => point with { ProductId = $"old-{point.ProductId}", Payload = point.Payload with { ProductId = $"old-{point.ProductId}" } }))
            .ToList();
        await Store.UpsertAsync(points, Ct);
        await Store.DeleteAsync("p003", Ct);

        var seen = new List<ProductPayload>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var page = await Store.ScrollAsync(cursor, limit: 3, Ct);
            seen.AddRange(page.Payloads);
            cursor = page.Next;
            Assert.True(++pages <= 10, "the scroll does not end");
        }
        while (cursor is not null);

        Assert.Equal(points.Select(point => point.ProductId).Where(id => id != "p003").Order(), seen.Select(payload => payload.ProductId).Order());
        Assert.Equal("older-model@1", seen.Single(payload => payload.ProductId == "old-p001").ModelKey);
        Assert.Equal(points.Single(point => point.ProductId == "p005").Payload.ImageRef, seen.Single(payload => payload.ProductId == "p005").ImageRef);
    }

    [Fact]
    public async Task Upserting_a_product_again_replaces_its_point()
    {
        await Store.UpsertAsync([TestPoints.Point("sku-1", TestPoints.UnitVector(1), name: "old")], Ct);
        var newVector = TestPoints.UnitVector(2);

        await Store.UpsertAsync([TestPoints.Point("sku-1", newVector, name: "new")], Ct);

        var stored = await Store.GetAsync("sku-1", Ct);
        Assert.Equal("new", stored!.Payload.Name);
        AssertSameVector(newVector, stored.Vector);
        var hits = await Store.SearchAsync(new VectorSearchQuery(newVector, TestPoints.Model, Limit: 10), Ct);
        var hit = Assert.Single(hits);
        Assert.Equal(("sku-1", "new"), (hit.ProductId, hit.Payload.Name));
        Assert.Equal(1f, hit.Score, ScoreTolerance);
    }

    [Fact]
    public async Task A_write_of_an_older_task_never_replaces_the_point_a_newer_task_wrote()
    {
        VectorPoint Version(long version, int seed, string name)
        {
            var point = TestPoints.Point("sku-v", TestPoints.UnitVector(seed), name: name);
            return point with { Payload = point.Payload with { Version = version } };
        }

        await Store.UpsertAsync([Version(5, 1, "task 5")], Ct);
        // The late write of task 3: retried after task 5 was indexed, or run on past its lease.
        await Store.UpsertAsync([Version(3, 2, "task 3")], Ct);
        var kept = (await Store.GetAsync("sku-v", Ct))!.Payload;
        Assert.Equal(("task 5", 5L), (kept.Name, kept.Version));

        // The same task again (its retry), or a newer one, does replace it.
        await Store.UpsertAsync([Version(5, 3, "task 5 again")], Ct);
        await Store.UpsertAsync([Version(8, 4, "task 8")], Ct);
        var stored = (await Store.GetAsync("sku-v", Ct))!;
        Assert.Equal(("task 8", 8L), (stored.Payload.Name, stored.Payload.Version));
        AssertSameVector(TestPoints.UnitVector(4), stored.Vector);
        var hit = Assert.Single(await Store.SearchAsync(new VectorSearchQuery(TestPoints.UnitVector(4), TestPoints.Model, Limit: 10), Ct));
        Assert.Equal("task 8", hit.Payload.Name);
    }

    [Fact]
    public async Task Delete_removes_the_point_and_says_whether_it_was_there()
    {
        var points = TestPoints.Many(3);
        await Store.UpsertAsync(points, Ct);

        Assert.True(await Store.DeleteAsync("p001", Ct));
        Assert.False(await Store.DeleteAsync("p001", Ct));
        Assert.False(await Store.DeleteAsync("never-stored", Ct));

        Assert.Null(await Store.GetAsync("p001", Ct));
        Assert.Null(await Store.GetAsync("never-stored", Ct));
        var hits = await Store.SearchAsync(new VectorSearchQuery(points[1].Vector, TestPoints.Model, Limit: 10), Ct);
        Assert.Equal(["p000", "p002"], hits.Select(hit => hit.ProductId).Order());
    }

    [Fact]
    public async Task Search_returns_the_nearest_points_best_first_with_cosine_scores()
    {
        var points = TestPoints.Many(60);
        await Store.UpsertAsync(points, Ct);
        var query = TestPoints.UnitVector(1000);

        var hits = await Store.SearchAsync(new VectorSearchQuery(query, TestPoints.Model, Limit: 10), Ct);

        AssertHits(TestPoints.Ranked(points, query).Take(10), hits);
    }

    [Fact]
    public async Task Search_compares_by_direction_not_length()
    {
        var points = TestPoints.Many(20);
        await Store.UpsertAsync(points.Select(p => p with { Vector = p.Vector.Select(v => v * 7.5f).ToArray() }).ToList(), Ct);
        var query = TestPoints.UnitVector(1000);

        var hits = await Store.SearchAsync(new VectorSearchQuery(query.Select(v => v * 0.01f).ToArray(), TestPoints.Model, Limit: 5), Ct);

        AssertHits(TestPoints.Ranked(points, query).Take(5), hits);
    }

    [Fact]
    public async Task Search_keeps_only_points_matching_every_filter_field()
    {
        var points = TestPoints.Many(80, metadata: i => new Dictionary<string, string>
        {
            ["category"] = i % 2 == 0 ? "shoes" : "hats",
            ["brand"] = i % 3 == 0 ? "acme" : "globex"
        });
        await Store.UpsertAsync(points, Ct);
        var query = TestPoints.UnitVector(1000);
        var filter = new Dictionary<string, string> { ["category"] = "shoes", ["brand"] = "acme" };

        var hits = await Store.SearchAsync(new VectorSearchQuery(query, TestPoints.Model, Limit: 5, Filter: filter), Ct);

        var matching = points.Where(p => p.Payload.Metadata["category"] == "shoes" && p.Payload.Metadata["brand"] == "acme");
        AssertHits(TestPoints.Ranked(matching, query).Take(5), hits);
        Assert.Empty(await Store.SearchAsync(new VectorSearchQuery(query, TestPoints.Model,
            Filter: new Dictionary<string, string> { ["category"] = "gloves" }), Ct));
    }

    [Fact]
    public async Task Offset_skips_the_best_results()
    {
        var points = TestPoints.Many(40);
        await Store.UpsertAsync(points, Ct);
        var query = TestPoints.UnitVector(1000);

        var hits = await Store.SearchAsync(new VectorSearchQuery(query, TestPoints.Model, Limit: 4, Offset: 3), Ct);

        AssertHits(TestPoints.Ranked(points, query).Skip(3).Take(4), hits);
    }

    [Fact]
    public async Task Minimum_score_drops_weaker_results()
    {
        var points = TestPoints.Many(40);
        await Store.UpsertAsync(points, Ct);
        var query = TestPoints.UnitVector(1000);
        var ranked = TestPoints.Ranked(points, query);
        var between5thAnd6th = (ranked[4].Score + ranked[5].Score) / 2;

        var hits = await Store.SearchAsync(new VectorSearchQuery(query, TestPoints.Model, Limit: 20, MinScore: between5thAnd6th), Ct);

        AssertHits(ranked.Take(5), hits);
    }

    [Fact]
    public async Task Search_compares_only_vectors_of_the_query_model()
    {
        var modelA = TestPoints.Many(10, model: "model-a@1");
        var modelB = TestPoints.Many(10, model: "model-b@1")
            .Select((p, i) => p with { ProductId = $"b{i}", Payload = p.Payload with { ProductId = $"b{i}" } })
            .ToList();
        await Store.UpsertAsync([.. modelA, .. modelB], Ct);

        var hits = await Store.SearchAsync(new VectorSearchQuery(modelA[0].Vector, "model-b@1", Limit: 50), Ct);

        Assert.Equal(modelB.Select(p => p.ProductId).Order(), hits.Select(hit => hit.ProductId).Order());
        Assert.All(hits, hit => Assert.Equal("model-b@1", hit.Payload.ModelKey));
        Assert.Empty(await Store.SearchAsync(new VectorSearchQuery(modelA[0].Vector, "model-c@1"), Ct));
    }

    [Fact]
    public async Task An_excluded_product_is_left_out()
    {
        var points = TestPoints.Many(20);
        await Store.UpsertAsync(points, Ct);

        var hits = await Store.SearchAsync(
            new VectorSearchQuery(points[7].Vector, TestPoints.Model, Limit: 5, ExcludeProductId: "p007"), Ct);

        AssertHits(TestPoints.Ranked(points.Where(p => p.ProductId != "p007"), points[7].Vector).Take(5), hits);
    }

    [Fact]
    public async Task Another_store_instance_sees_writes_and_deletes_made_through_the_first()
    {
        var points = TestPoints.Many(20);
        await Store.UpsertAsync(points, Ct);
        var other = await OpenStoreAsync();
        try
        {
            var query = TestPoints.UnitVector(1000);
            Assert.Equal(20, (await other.SearchAsync(new VectorSearchQuery(query, TestPoints.Model, Limit: 100), Ct)).Count);

            var added = TestPoints.Many(25, seedOffset: 500).Skip(20).ToList();
            await Store.UpsertAsync(added, Ct);
            await Store.DeleteAsync("p003", Ct);
            await Store.DeleteAsync("p020", Ct);
            var replaced = TestPoints.Point("p004", TestPoints.UnitVector(4444), name: "replaced");
            await Store.UpsertAsync([replaced], Ct);

            var hits = await other.SearchAsync(new VectorSearchQuery(query, TestPoints.Model, Limit: 100), Ct);
            var expected = points.Concat(added).Where(p => p.ProductId is not ("p003" or "p020" or "p004")).Append(replaced);
            AssertHits(TestPoints.Ranked(expected, query), hits);
            Assert.Equal("replaced", hits.Single(hit => hit.ProductId == "p004").Payload.Name);
        }
        finally
        {
            (other as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public async Task Points_survive_a_server_restart()
    {
        var points = TestPoints.Many(30);
        await Store.UpsertAsync(points, Ct);
        await Store.DeleteAsync("p010", Ct);

        await RestartServerAsync();
        var fresh = await OpenStoreAsync();
        try
        {
            var query = TestPoints.UnitVector(1000);
            var hits = await fresh.SearchAsync(new VectorSearchQuery(query, TestPoints.Model, Limit: 100), Ct);
            AssertHits(TestPoints.Ranked(points.Where(p => p.ProductId != "p010"), query), hits);
            AssertSameVector(points[5].Vector, (await fresh.GetAsync("p005", Ct))!.Vector);
            Assert.Null(await fresh.GetAsync("p010", Ct));
        }
        finally
        {
            (fresh as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public async Task A_batch_of_hundreds_of_points_is_stored_whole()
    {
        var points = TestPoints.Many(350);

        await Store.UpsertAsync(points, Ct);

        foreach (var point in points.Where((_, i) => i % 10 == 0))
        {
            var hits = await Store.SearchAsync(new VectorSearchQuery(point.Vector, TestPoints.Model, Limit: 1), Ct);
            Assert.Equal(point.ProductId, Assert.Single(hits).ProductId);
            Assert.Equal(1f, hits[0].Score, ScoreTolerance);
        }

        var all = await Store.SearchAsync(new VectorSearchQuery(points[0].Vector, TestPoints.Model, Limit: 1000), Ct);
        Assert.Equal(points.Select(p => p.ProductId), all.Select(hit => hit.ProductId).Order());
        Assert.NotNull(await Store.GetAsync("p349", Ct));
    }

    [Fact]
    public async Task Bad_input_is_refused_and_nothing_of_the_batch_is_written()
    {
        var good = TestPoints.Point("good", TestPoints.UnitVector(1));
        var shortVector = TestPoints.Point("short", TestPoints.UnitVector(2, dimensions: TestPoints.Dimensions - 1));

        var mismatch = await Assert.ThrowsAsync<ArgumentException>(() => Store.UpsertAsync([good, shortVector], Ct));
        Assert.Contains("dimensions", mismatch.Message);
        Assert.Null(await Store.GetAsync("good", Ct));

        await Assert.ThrowsAsync<ArgumentException>(() => Store.UpsertAsync([TestPoints.Point(" ", TestPoints.UnitVector(1))], Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.UpsertAsync([TestPoints.Point("zero", new float[TestPoints.Dimensions])], Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.UpsertAsync([good with { Payload = good.Payload with { ProductId = "other" } }], Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.GetAsync("", Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.DeleteAsync("", Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.SearchAsync(new VectorSearchQuery(new float[3], TestPoints.Model), Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            Store.SearchAsync(new VectorSearchQuery(TestPoints.UnitVector(1), TestPoints.Model, Limit: 0), Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            Store.SearchAsync(new VectorSearchQuery(TestPoints.UnitVector(1), TestPoints.Model, Offset: -1), Ct));
    }

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void AssertHits(IEnumerable<(string ProductId, float Score)> expected, IReadOnlyList<VectorSearchHit> hits)
    {
        var expectedList = expected.ToList();
        Assert.Equal(expectedList.Select(e => e.ProductId), hits.Select(hit => hit.ProductId));
        for (var i = 0; i < hits.Count; i++)
        {
            Assert.Equal(expectedList[i].Score, hits[i].Score, ScoreTolerance);
            Assert.Equal(hits[i].ProductId, hits[i].Payload.ProductId);
        }
    }

    private static void AssertSameVector(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-5f);
        }
    }
}
