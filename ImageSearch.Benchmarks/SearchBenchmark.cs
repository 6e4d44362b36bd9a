using System.Diagnostics;
using ImageSearch.Benchmarks.Topology;
using ImageSearch.Indexing.VectorStore;
using ImageSearch.Indexing.VectorStore.Embedded;
using StackExchange.Redis;

namespace ImageSearch.Benchmarks;

/// <summary>
/// The embedded vector store over 10k and 100k stored 512-d vectors: write rate, load time from Redis, memory,
/// and search latency (p50/p99) and throughput, each search including its catch-up round trip to Redis.
/// Options: <c>--redis host:port</c> to use a running server (default: starts redis-server from PATH),
/// <c>--sizes 10000,100000</c>, <c>--queries 1000</c>.
/// </summary>
public sealed class SearchBenchmark : IBenchmark
{
    private const int Dimensions = 512;
    private const string Model = "bench-model@1";

    public string Name => "search";

    public string Description => "Embedded vector store: load time, memory, search latency and throughput (10k/100k x 512-d)";

    public async Task<int> RunAsync(string[] args)
    {
        var sizes = Option(args, "--sizes")?.Split(',').Select(int.Parse).ToArray() ?? [10_000, 100_000];
        var queries = int.Parse(Option(args, "--queries") ?? "1000");
        await using var server = Option(args, "--redis") is null
            ? await RedisServer.StartAsync("redis", Directory.CreateTempSubdirectory("imagesearch-bench-search-").FullName, appendOnly: false)
            : null;
        var endpoint = Option(args, "--redis") ?? $"127.0.0.1:{server!.Port}";
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"{server?.ConnectionString ?? endpoint},allowAdmin=true");

        Console.WriteLine($"search benchmark: {Environment.ProcessorCount} cores, Redis at {endpoint}, {queries} queries a size");
        foreach (var size in sizes)
        {
            await RunSizeAsync(redis, size, queries);
        }

        return 0;
    }

    private static async Task RunSizeAsync(ConnectionMultiplexer redis, int size, int queries)
    {
        var options = new VectorStoreOptions { Dimensions = Dimensions, CollectionName = $"bench-{size}-{Guid.NewGuid():N}" };
        var random = new Random(size);

        using (var writer = new EmbeddedVectorStore(redis, options, VectorStoreResilience.Create(options)))
        {
            var written = Stopwatch.StartNew();
            const int chunk = 5_000;
            for (var start = 0; start < size; start += chunk)
            {
                var points = Enumerable.Range(start, Math.Min(chunk, size - start)).Select(i => Point(i, random)).ToList();
                await writer.UpsertAsync(points);
            }

            Console.WriteLine($"\n[{size:N0} vectors] upsert into Redis: {written.Elapsed.TotalSeconds:F1} s ({size / written.Elapsed.TotalSeconds:N0} points/s)");
        }

        Collect();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var workingSetBefore = Environment.WorkingSet;
        using var store = new EmbeddedVectorStore(redis, options, VectorStoreResilience.Create(options));
        var load = Stopwatch.StartNew();
        await store.CatchUpAsync();
        load.Stop();
        Collect();
        var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"  load from Redis: {load.Elapsed.TotalMilliseconds:N0} ms for {store.IndexedCount:N0} vectors");
        Console.WriteLine($"  index memory: managed heap +{(heapAfter - heapBefore) / 1e6:N0} MB " +
                          $"(raw floats {(long)size * Dimensions * 4 / 1e6:N0} MB), working set {workingSetBefore / 1e6:N0} -> {Environment.WorkingSet / 1e6:N0} MB");

        var queryVectors = Enumerable.Range(0, queries).Select(_ => UnitVector(random)).ToArray();
        await MeasureCatchUpAsync(store, queries);
        await MeasureAsync(store, "top-10", queryVectors, vector => new VectorSearchQuery(vector, Model));
        await MeasureAsync(store, "top-10, filter category (1 in 10), offset 10", queryVectors, vector =>
            new VectorSearchQuery(vector, Model, Offset: 10, Filter: new Dictionary<string, string> { ["category"] = "c3" }));
        await MeasureAsync(store, "top-10, min_score 0.1, exclude one", queryVectors, vector =>
            new VectorSearchQuery(vector, Model, MinScore: 0.1f, ExcludeProductId: "p42"));
        await MeasureThroughputAsync(store, queryVectors, callers: 4);

        await redis.GetDatabase().ExecuteAsync("FLUSHDB");
    }

    private static async Task MeasureAsync(EmbeddedVectorStore store, string label, float[][] queryVectors, Func<float[], VectorSearchQuery> query)
    {
        // Enough warm-up for the scan loop to reach its optimised (tier-1) code.
        for (var i = 0; i < 100; i++)
        {
            await store.SearchAsync(query(queryVectors[i % queryVectors.Length]));
        }

        var latencies = new double[queryVectors.Length];
        var total = Stopwatch.StartNew();
        for (var i = 0; i < queryVectors.Length; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await store.SearchAsync(query(queryVectors[i]));
            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        total.Stop();
        Array.Sort(latencies);
        Console.WriteLine($"  {label}: p50 {Percentile(latencies, 0.50):F2} ms, p99 {Percentile(latencies, 0.99):F2} ms, " +
                          $"{queryVectors.Length / total.Elapsed.TotalSeconds:N0} queries/s (one caller)");
    }

    /// <summary>The part of every search that is not the scan: one change-log read when nothing changed.</summary>
    private static async Task MeasureCatchUpAsync(EmbeddedVectorStore store, int rounds)
    {
        var latencies = new double[rounds];
        for (var i = 0; i < rounds; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await store.CatchUpAsync();
            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        Array.Sort(latencies);
        Console.WriteLine($"  catch-up round trip (no changes): p50 {Percentile(latencies, 0.50):F3} ms, p99 {Percentile(latencies, 0.99):F3} ms");
    }

    private static async Task MeasureThroughputAsync(EmbeddedVectorStore store, float[][] queryVectors, int callers)
    {
        var next = -1;
        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < queryVectors.Length)
            {
                await store.SearchAsync(new VectorSearchQuery(queryVectors[i], Model));
            }
        })));
        total.Stop();
        Console.WriteLine($"  top-10 with {callers} concurrent callers: {queryVectors.Length / total.Elapsed.TotalSeconds:N0} queries/s");
    }

    private static VectorPoint Point(int i, Random random) =>
        new($"p{i}", UnitVector(random), new ProductPayload(
            $"p{i}", $"Product {i}", null, $"images/p{i}.jpg",
            new Dictionary<string, string> { ["category"] = $"c{i % 10}" }, Model, DateTimeOffset.UtcNow));

    private static float[] UnitVector(Random random)
    {
        var vector = new float[Dimensions];
        for (var i = 0; i < Dimensions; i++)
        {
            vector[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }

        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        return vector.Select(v => v / norm).ToArray();
    }

    private static double Percentile(double[] sorted, double fraction) =>
        sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(fraction * sorted.Length) - 1)];

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
