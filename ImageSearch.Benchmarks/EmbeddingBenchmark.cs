using System.Diagnostics;
using ImageSearch.Indexing.Embedding;
using ImageSearch.Indexing.Imaging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ImageSearch.Benchmarks;

/// <summary>
/// Images/s of decoding, of inference and of EmbedBatchAsync end to end over real photos, and the peak memory.
/// Options: --photos DIR (default test-data/photos), --images N (default 300), --threads N (ORT intra-op, 0 = cores),
/// --decoders N (0 = cores).
/// </summary>
public sealed class EmbeddingBenchmark : IBenchmark
{
    public string Name => "embed";

    public string Description => "decode, inference and end-to-end images/s of the image embedder, and peak memory";

    public async Task<int> RunAsync(string[] args)
    {
        var photos = Option(args, "--photos") ?? FindPhotos();
        if (photos is null || !Directory.Exists(photos) || Directory.GetFiles(photos, "*.jpg").Length == 0)
        {
            Console.Error.WriteLine("No photos: run .ci/fetch-test-photos, or pass --photos DIR with JPEG files.");
            return 1;
        }

        var imageCount = int.Parse(Option(args, "--images") ?? "300");
        var settings = new Dictionary<string, string?>
        {
            ["ImageLoader:ImageRoot"] = photos,
            ["Embedding:IntraOpThreads"] = Option(args, "--threads") ?? "0",
            ["Embedding:DecodeParallelism"] = Option(args, "--decoders") ?? "0"
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging().AddImageEmbedding(configuration).BuildServiceProvider();
        await using var _ = services;
        var embedder = services.GetRequiredService<OnnxImageEmbedder>();

        var files = Directory.GetFiles(photos, "*.jpg").Order(StringComparer.Ordinal).Select(Path.GetFileName).ToArray();
        var sources = Enumerable.Range(0, imageCount).Select(i => (ImageSource)new ImageSource.File(files[i % files.Length]!)).ToList();
        var decoders = int.Parse(settings["Embedding:DecodeParallelism"]!) is > 0 and var d ? d : Environment.ProcessorCount;
        Console.WriteLine($"embed: {imageCount} images cycling over {files.Length} photos; {Environment.ProcessorCount} cores; " +
            $"intra-op threads {settings["Embedding:IntraOpThreads"]} (0 = cores), decoders {decoders}; load average {LoadAverage()}");

        // Warm-up: the first inference allocates ORT's buffers, the first decode loads codecs.
        await embedder.EmbedBatchAsync(sources.Take(8).ToList());

        var decodeOne = await TimeDecodeAsync(embedder, sources, parallelism: 1);
        var decodeParallel = await TimeDecodeAsync(embedder, sources, decoders);
        var inference = await TimeInferenceAsync(embedder, sources, Math.Min(imageCount, 100));

        var stopwatch = Stopwatch.StartNew();
        var results = await embedder.EmbedBatchAsync(sources);
        stopwatch.Stop();
        var failed = results.Count(result => !result.Succeeded);

        using var process = Process.GetCurrentProcess();
        Console.WriteLine($"decode+preprocess, 1 thread:        {decodeOne,7:0.0} images/s");
        Console.WriteLine($"decode+preprocess, {decoders} threads:       {decodeParallel,7:0.0} images/s");
        Console.WriteLine($"inference only:                     {inference,7:0.0} images/s");
        Console.WriteLine($"end to end (EmbedBatchAsync):       {imageCount / stopwatch.Elapsed.TotalSeconds,7:0.0} images/s ({failed} failed)");
        Console.WriteLine($"peak working set:                   {process.PeakWorkingSet64 / (1024.0 * 1024),7:0} MB");
        Console.WriteLine($"load average after:                 {LoadAverage()}");
        return failed == 0 ? 0 : 1;
    }

    private static async Task<double> TimeDecodeAsync(OnnxImageEmbedder embedder, IReadOnlyList<ImageSource> sources, int parallelism)
    {
        var stopwatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(sources, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (source, token) =>
        {
            var encoded = await embedder.Preparer.LoadAsync(source, token);
            embedder.Preparer.Decode(encoded.Span).Dispose();
        });
        return sources.Count / stopwatch.Elapsed.TotalSeconds;
    }

    /// <summary>The embed step alone (inference and pooling), over already decoded images.</summary>
    private static async Task<double> TimeInferenceAsync(OnnxImageEmbedder embedder, IReadOnlyList<ImageSource> sources, int count)
    {
        var prepared = new List<PreparedImage>();
        foreach (var source in sources.Take(count))
        {
            prepared.Add(embedder.Preparer.Decode((await embedder.Preparer.LoadAsync(source)).Span));
        }

        var stopwatch = Stopwatch.StartNew();
        foreach (var image in prepared)
        {
            embedder.Embed(image);
        }

        var rate = prepared.Count / stopwatch.Elapsed.TotalSeconds;
        prepared.ForEach(image => image.Dispose());
        return rate;
    }

    private static string? Option(string[] args, string name) =>
        Array.IndexOf(args, name) is >= 0 and var i && i + 1 < args.Length ? args[i + 1] : null;

    private static string? FindPhotos()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ImageSearch.sln")))
            {
                return Path.Combine(directory.FullName, "test-data", "photos");
            }
        }

        return null;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
