using System.Diagnostics;
using System.Numerics.Tensors;
using ImageSearch.Indexing.Embedding;
using ImageSearch.Indexing.Imaging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ImageSearch.Benchmarks;

/// <summary>
/// Search quality on the development set (test-data/retrieval, fetched by .ci/fetch-test-photos): each photo of a
/// pair queries every other photo (its partner, the other pairs, OpenCV's other photos and test-data/photos), and
/// top-1, MRR and mAP are printed for each descriptor variant, with what it costs: images/s embedded (EmbedBatchAsync
/// over the set) and the latency of one query (embed the upload + exact search). Query expansion (α-QE) and
/// database-side augmentation (DBA) are applied to the shipped descriptor's vectors as search-time options.
/// Options: --data DIR (default test-data), --set NAME (test-data/retrieval, the default, or retrieval-hard, fetched by
/// .ci/fetch-retrieval-hard), --variants a,b (names in DescriptorVariants; default all).
/// </summary>
public sealed class RetrievalBenchmark : IBenchmark
{
    public string Name => "retrieval";

    public string Description => "top-1 / MRR / mAP on the opencv-doc pairs (or --set retrieval-hard), per descriptor variant, with embed images/s and query latency";

    public async Task<int> RunAsync(string[] args)
    {
        var data = Option(args, "--data") ?? Path.Combine(BenchmarkPaths.RepositoryRoot ?? ".", "test-data");
        if (!DevelopmentSet.TryLoad(data, out var set, out var problem, Option(args, "--set") ?? "retrieval"))
        {
            Console.Error.WriteLine(problem);
            return 1;
        }

        var wanted = Option(args, "--variants")?.Split(',') ?? DescriptorVariants.All.Select(v => v.Name).ToArray();
        Console.WriteLine($"retrieval: {set.Queries.Count} queries over {set.Images.Count - 1} images each " +
            $"({set.Groups.Count} groups of one subject, {set.Distractors} distractors); {Environment.ProcessorCount} cores; load average {LoadAverage.Read()}");
        Console.WriteLine($"{"variant",-15} {"top-1",6} {"MRR",6} {"mAP",6} {"sep.",5} {"embed/s",8} {"query p50",10}  description [misses: query→partner's rank]");

        var models = Path.Combine(AppContext.BaseDirectory, "models");
        float[][]? shippedVectors = null;
        foreach (var (name, description, _) in DescriptorVariants.All.Where(v => wanted.Contains(v.Name)))
        {
            using var variant = DescriptorVariants.Create(models, name);
            await using var services = Services(data, variant.ModelsPath);
            var embedder = services.GetRequiredService<OnnxImageEmbedder>();
            var (vectors, embedRate, queryLatency) = await EmbedSetAsync(embedder, set);
            var quality = Evaluate(set, vectors);
            Print(name, quality, embedRate, queryLatency, $"{description}; {embedder.Model.Dimensions}-d");
            if (name == "shipped")
            {
                shippedVectors = vectors;
            }
        }

        if (shippedVectors is not null)
        {
            foreach (var (k, alpha) in new[] { (1, 3f), (2, 3f), (3, 3f) })
            {
                Print($"shipped+qe{k}", Evaluate(set, shippedVectors, queryExpansion: (k, alpha)), double.NaN, double.NaN,
                    $"α-QE: query + its top {k} (weights score^{alpha}), searched again");
            }

            foreach (var k in new[] { 1, 2 })
            {
                var augmented = DatabaseAugmentation(shippedVectors, k, alpha: 3);
                Print($"shipped+dba{k}", Evaluate(set, shippedVectors, database: augmented), double.NaN, double.NaN,
                    $"DBA: each stored vector + its {k} nearest (weights score^3); queries as embedded");
            }
        }

        Console.WriteLine($"load average after: {LoadAverage.Read()}");
        return 0;
    }

    private static ServiceProvider Services(string imageRoot, string modelsPath)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ImageLoader:ImageRoot"] = imageRoot,
            ["Embedding:ModelsPath"] = modelsPath
        }).Build();
        return new ServiceCollection().AddLogging().AddImageEmbedding(configuration).BuildServiceProvider();
    }

    private static async Task<(float[][] Vectors, double ImagesPerSecond, double QueryMilliseconds)> EmbedSetAsync(
        OnnxImageEmbedder embedder, DevelopmentSet set)
    {
        var sources = set.Images.Select(path => (ImageSource)new ImageSource.File(path)).ToList();
        await embedder.EmbedBatchAsync(sources.Take(4).ToList());
        var stopwatch = Stopwatch.StartNew();
        var results = await embedder.EmbedBatchAsync(sources);
        var rate = sources.Count / stopwatch.Elapsed.TotalSeconds;
        var vectors = results.Select((result, i) => result.Vector ?? throw new InvalidOperationException($"{set.Images[i]}: {result.Error?.Message}")).ToArray();

        // A query as the search endpoint runs it: the upload embedded alone, then an exact scan.
        var latencies = new List<double>();
        foreach (var query in set.Queries)
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(set.Root, set.Images[query.Image]));
            var started = Stopwatch.GetTimestamp();
            var vector = await embedder.EmbedAsync(new ImageSource.Bytes(bytes));
            _ = vectors.Select(stored => TensorPrimitives.Dot(stored, vector)).Max();
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        latencies.Sort();
        return (vectors, rate, latencies[latencies.Count / 2]);
    }

    /// <param name="Separation">
    /// Mean over queries of how far the partner's score stands above the others', in standard deviations of the
    /// others' scores: finer than ranks when nearly every partner already ranks first, and comparable across descriptors.
    /// </param>
    internal readonly record struct Quality(double Top1, double Mrr, double MeanAveragePrecision, double Separation, string Misses);

    /// <summary>Each query ranks every other image; its relevant images are its pair partner(s).</summary>
    internal static Quality Evaluate(DevelopmentSet set, float[][] queries, float[][]? database = null, (int K, float Alpha)? queryExpansion = null)
    {
        database ??= queries;
        double top1 = 0, reciprocalRanks = 0, averagePrecisions = 0, separation = 0;
        var misses = new List<string>();
        foreach (var query in set.Queries)
        {
            var vector = queries[query.Image];
            if (queryExpansion is { } expansion)
            {
                vector = Expand(vector, Ranking(database, vector, query.Image).Take(expansion.K), database, expansion.Alpha);
            }

            var ranking = Ranking(database, vector, query.Image).ToList();
            var ranks = query.Relevant.Select(relevant => ranking.IndexOf(relevant) + 1).Order().ToList();
            var others = ranking.Where(i => !query.Relevant.Contains(i)).Select(i => (double)TensorPrimitives.Dot(database[i], vector)).ToArray();
            var (mean, deviation) = (others.Average(), Math.Sqrt(others.Select(score => Math.Pow(score - others.Average(), 2)).Average()));
            separation += query.Relevant.Select(relevant => (TensorPrimitives.Dot(database[relevant], vector) - mean) / deviation).Average();
            if (ranks[0] > 1)
            {
                misses.Add($"{Path.GetFileName(set.Images[query.Image])}→{ranks[0]}");
            }

            top1 += ranks[0] == 1 ? 1 : 0;
            reciprocalRanks += 1.0 / ranks[0];
            averagePrecisions += ranks.Select((rank, i) => (i + 1.0) / rank).Average();
        }

        var count = set.Queries.Count;
        return new Quality(top1 / count, reciprocalRanks / count, averagePrecisions / count, separation / count, string.Join(" ", misses));
    }

    private static IEnumerable<int> Ranking(float[][] database, float[] vector, int exclude) =>
        Enumerable.Range(0, database.Length).Where(i => i != exclude)
            .OrderByDescending(i => TensorPrimitives.Dot(database[i], vector));

    private static float[] Expand(float[] query, IEnumerable<int> neighbours, float[][] database, float alpha)
    {
        var sum = query.ToArray();
        foreach (var neighbour in neighbours)
        {
            var score = Math.Max(0, TensorPrimitives.Dot(database[neighbour], query));
            TensorPrimitives.MultiplyAdd(database[neighbour], MathF.Pow(score, alpha), sum, sum);
        }

        TensorPrimitives.Divide(sum, TensorPrimitives.Norm(sum), sum);
        return sum;
    }

    private static float[][] DatabaseAugmentation(float[][] vectors, int k, float alpha) =>
        vectors.Select((vector, i) => Expand(vector, Ranking(vectors, vector, i).Take(k), vectors, alpha)).ToArray();

    private static void Print(string name, Quality quality, double embedRate, double queryLatency, string description) =>
        Console.WriteLine($"{name,-15} {quality.Top1,6:0.000} {quality.Mrr,6:0.000} {quality.MeanAveragePrecision,6:0.000} {quality.Separation,5:0.0} " +
            $"{(double.IsNaN(embedRate) ? "" : embedRate.ToString("0.0")),8} {(double.IsNaN(queryLatency) ? "" : queryLatency.ToString("0.0") + " ms"),10}  {description}" +
            (quality.Misses.Length > 0 ? $" [{quality.Misses}]" : ""));

    private static string? Option(string[] args, string name) =>
        Array.IndexOf(args, name) is >= 0 and var i && i + 1 < args.Length ? args[i + 1] : null;
}
