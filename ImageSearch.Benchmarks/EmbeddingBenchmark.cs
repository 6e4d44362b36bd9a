using System.Diagnostics;
using ImageSearch.Indexing.Embedding;
using ImageSearch.Indexing.Imaging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ImageSearch.Benchmarks;

/// <summary>
/// Images/s of decoding, of inference and end to end over real photos (EmbedBatchAsync's pipeline, and the worker's
/// steps: load and decode a batch, then embed it), batched inference against batch 1, and resident memory.
/// Options: --photos DIR (default test-data/photos), --images N (default 300), --variant NAME (a descriptor of the
/// retrieval benchmark, default shipped), --replicas N (Embedding:HostReplicas: this process's share of the cores),
/// --threads N (ORT intra-op, 0 = the share), --decoders N (0 = the share), --batch N (the worker's batch, default 8),
/// --arena on|off (ORT's CPU arena, default off).
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
        var batchSize = int.Parse(Option(args, "--batch") ?? "8");
        var variantName = Option(args, "--variant") ?? "shipped";
        using var variant = DescriptorVariants.Create(Path.Combine(AppContext.BaseDirectory, "models"), variantName);
        var settings = new Dictionary<string, string?>
        {
            ["ImageLoader:ImageRoot"] = photos,
            ["Embedding:ModelsPath"] = variant.ModelsPath,
            ["Embedding:HostReplicas"] = Option(args, "--replicas") ?? "1",
            ["Embedding:IntraOpThreads"] = Option(args, "--threads") ?? "0",
            ["Embedding:DecodeParallelism"] = Option(args, "--decoders") ?? "0",
            ["Embedding:CpuMemoryArena"] = Option(args, "--arena") == "on" ? "true" : "false"
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging().AddImageEmbedding(configuration).BuildServiceProvider();
        await using var _ = services;
        var residentBefore = Resident("VmRSS");
        var embedder = services.GetRequiredService<OnnxImageEmbedder>();
        var residentLoaded = Resident("VmRSS");

        var files = Directory.GetFiles(photos, "*.jpg").Order(StringComparer.Ordinal).Select(Path.GetFileName).ToArray();
        var sources = Enumerable.Range(0, imageCount).Select(i => (ImageSource)new ImageSource.File(files[i % files.Length]!)).ToList();
        var decoders = embedder.DecodeParallelism;
        Console.WriteLine($"embed: {imageCount} images cycling over {files.Length} photos; {Environment.ProcessorCount} cores; variant {variantName} " +
            $"({embedder.Model.Key}); host replicas {settings["Embedding:HostReplicas"]}, intra-op threads {embedder.Runner.IntraOpThreads}, " +
            $"decoders {decoders}, arena {settings["Embedding:CpuMemoryArena"]}; load average {LoadAverage.Read()}");

        // Warm-up: the first inference allocates ORT's buffers, the first decode loads codecs.
        await embedder.EmbedBatchAsync(sources.Take(8).ToList());

        // The worker's pattern first, so the resident figure is what a worker holds (the timings below keep images in hand).
        var stepwise = await TimeWorkerStepsAsync(embedder, sources, batchSize);
        var residentWorker = Resident("VmRSS");
        var stopwatch = Stopwatch.StartNew();
        var results = await embedder.EmbedBatchAsync(sources);
        stopwatch.Stop();
        var failed = results.Count(result => !result.Succeeded);
        var pipelined = imageCount / stopwatch.Elapsed.TotalSeconds;
        var residentPipelined = Resident("VmRSS");

        var decodeOne = await TimeDecodeAsync(embedder, sources, parallelism: 1);
        var decodeParallel = await TimeDecodeAsync(embedder, sources, decoders);
        var inference = await TimeInferenceAsync(embedder, sources, Math.Min(imageCount, 100));

        using var process = Process.GetCurrentProcess();
        Console.WriteLine($"decode+preprocess, 1 thread:        {decodeOne,7:0.0} images/s");
        Console.WriteLine($"decode+preprocess, {decoders} threads:       {decodeParallel,7:0.0} images/s");
        Console.WriteLine($"inference + pooling only:           {inference,7:0.0} images/s");
        Console.WriteLine($"end to end, pipelined (EmbedBatch): {pipelined,7:0.0} images/s ({failed} failed)");
        Console.WriteLine($"end to end, worker steps, batch {batchSize,-3} {stepwise,7:0.0} images/s (load+decode the batch, then embed it)");
        Console.WriteLine($"resident: before model {residentBefore:0} MB, model loaded {residentLoaded:0} MB, after the worker steps {residentWorker:0} MB, " +
                          $"after the pipeline {residentPipelined:0} MB, after the timings {Resident("VmRSS"):0} MB (peak {Resident("VmHWM"):0} MB)");
        if (!embedder.Runner.FixedInput)
        {
            foreach (var (width, height) in new[] { (224, 224), (320, 224) })
            {
                var rates = string.Join(", ", new[] { 1, 2, 4, 8 }.Select(batch => $"batch {batch}: {TimeBatchedInference(embedder.Runner, width, height, batch):0.0}"));
                Console.WriteLine($"inference {width}x{height}, images/s: {rates}");
            }
        }

        Console.WriteLine($"load average after:                 {LoadAverage.Read()}");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>What the worker's processor does per batch: load and decode the batch in parallel, then embed it image by image.</summary>
    private static async Task<double> TimeWorkerStepsAsync(OnnxImageEmbedder embedder, IReadOnlyList<ImageSource> sources, int batchSize)
    {
        var stopwatch = Stopwatch.StartNew();
        foreach (var batch in sources.Chunk(batchSize))
        {
            var images = new PreparedImage[batch.Length];
            await Parallel.ForEachAsync(Enumerable.Range(0, batch.Length), new ParallelOptions { MaxDegreeOfParallelism = embedder.DecodeParallelism },
                async (i, token) => images[i] = embedder.Preparer.Decode((await embedder.Preparer.LoadAsync(batch[i], token)).Span));
            foreach (var image in images)
            {
                embedder.Embed(image);
                image.Dispose();
            }
        }

        return sources.Count / stopwatch.Elapsed.TotalSeconds;
    }

    /// <summary>Inference alone on batches of one size (the graph's batch dimension is symbolic once rewritten).</summary>
    private static double TimeBatchedInference(OnnxModelRunner runner, int width, int height, int batchSize)
    {
        var tensors = Enumerable.Range(0, batchSize).Select(_ => new ModelInputTensor(new float[3 * width * height], width, height)).ToList();
        runner.Run(tensors, (_, _, _, _) => { });
        var images = 0;
        var stopwatch = Stopwatch.StartNew();
        while (images < 64)
        {
            runner.Run(tensors, (_, _, _, _) => { });
            images += batchSize;
        }

        return images / stopwatch.Elapsed.TotalSeconds;
    }

    private static double Resident(string field) =>
        File.Exists("/proc/self/status")
            ? File.ReadLines("/proc/self/status").Where(line => line.StartsWith(field + ":", StringComparison.Ordinal))
                .Select(line => long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0]) / 1024.0).FirstOrDefault()
            : double.NaN;

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
}
