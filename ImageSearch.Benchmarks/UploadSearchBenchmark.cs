using System.Diagnostics;
using System.Net.Http.Headers;
using ImageSearch.Benchmarks.Load;
using ImageSearch.Benchmarks.Topology;
using ImageSearch.Indexing.Embedding;
using ImageSearch.Indexing.Imaging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ImageSearch.Benchmarks;

/// <summary>
/// Search by upload (POST /search, multipart) at 2 and 16 concurrent clients: queries/s and p50/p99 against an API
/// whose index holds the photos, beside the in-process single-image embed rate (EmbedAsync on the same bytes, from as
/// many concurrent callers) measured first in this process. Non-2xx answers (503 from a concurrency limit) are counted.
/// </summary>
public sealed class UploadSearchBenchmark : IBenchmark
{
    public string Name => "upload";

    public string Description => "POST /search by upload: q/s and p50/p99 at 2 and 16 clients vs in-process EmbedAsync [--clients 2,16] " +
        "[--duration S] [--photos DIR] [--services DIR] [--variant K=V,K=V] [--api-env K=V]";

    public async Task<int> RunAsync(string[] args)
    {
        var arguments = new BenchmarkArguments(args);
        if (Photos.Find(arguments) is not { } photos)
        {
            return 1;
        }

        var clients = arguments.GetInts("--clients", 2, 16);
        var duration = arguments.GetSeconds("--duration", 20);
        var names = Photos.Names(photos);
        var images = names.Select(name => File.ReadAllBytes(Path.Combine(photos, name))).ToList();
        var runDirectory = Directory.CreateTempSubdirectory("imagesearch-bench-upload-").FullName;
        Console.WriteLine($"upload: {Environment.ProcessorCount} cores, load average {Statistics.LoadAverage()}; {Photos.Describe(photos)}; " +
            $"{duration.TotalSeconds:0} s a run; logs in {runDirectory}");

        var inProcess = new Dictionary<int, double>();
        foreach (var count in clients.Prepend(1).Distinct())
        {
            var (perSecond, latencies) = await EmbedInProcessAsync(photos, images, count, duration);
            inProcess[count] = perSecond;
            Console.WriteLine($"  in-process EmbedAsync, {count,2} callers: {perSecond,6:0.0} images/s, p50 {Statistics.Percentile(latencies, 0.5),6:0} ms, " +
                $"p99 {Statistics.Percentile(latencies, 0.99),6:0} ms");
        }

        foreach (var variant in ServiceVariant.FromArguments(arguments, "--api-env"))
        {
            var settings = new DeploymentSettings(variant.Build, 1, photos, RedisAppendOnly: false, variant.Environment, new Dictionary<string, string>());
            await using var deployment = await Deployment.StartAsync(settings, "upload");
            using var client = deployment.CreateClient(clients.Max());
            // Index every photo once, so searches rank real vectors; then the worker leaves the cores to the API.
            await ApiClient.EnqueueAsync(client, names.Select((name, i) => new ApiClient.TaskRequest($"photo-{i}", name)).ToList());
            await ApiClient.WaitFinishedAsync(client, names.Count, TimeSpan.FromMinutes(5));
            await deployment.StopWorkersAsync();
            // Warm as long as the in-process embedder is by its first run: tiered compilation rejits the search path
            // for seconds after its first calls (8 % of the API's CPU in the first 15 s after a 3 s warm-up).
            await SearchAsync(client, images, 2, duration, new LatencyLog());

            foreach (var count in clients)
            {
                var log = new LatencyLog();
                var before = deployment.Api.Usage;
                await using var sampler = new MemorySampler([deployment.Api]);
                var elapsed = await SearchAsync(client, images, count, duration, log);
                var (latencies, failures, statuses) = log.Take();
                var perSecond = latencies.Count / elapsed.TotalSeconds;
                Console.WriteLine($"  {variant.Label}, {count,2} clients: {perSecond,6:0.0} q/s, p50 {Statistics.Percentile(latencies, 0.5),6:0} ms, " +
                    $"p99 {Statistics.Percentile(latencies, 0.99),6:0} ms; {failures} not 2xx ({statuses}); " +
                    $"{perSecond / inProcess[count]:0.00}x in-process at {count}, {perSecond / inProcess[1]:0.00}x at 1; " +
                    $"API CPU {deployment.Api.Usage.CpuSeconds - before.CpuSeconds:0.0} s, peak {sampler.Peaks[0]:0} MB; load average {Statistics.LoadAverage()}");
            }
        }

        return 0;
    }

    private static async Task<(double PerSecond, List<double> Latencies)> EmbedInProcessAsync(
        string photos, IReadOnlyList<byte[]> images, int callers, TimeSpan duration)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ImageLoader:ImageRoot"] = photos
        }).Build();
        await using var services = new ServiceCollection().AddLogging().AddImageEmbedding(configuration).BuildServiceProvider();
        var embedder = services.GetRequiredService<IImageEmbedder>();
        await embedder.EmbedAsync(new ImageSource.Bytes(images[0]));

        var latencies = new List<double>();
        var clock = Stopwatch.StartNew();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                await embedder.EmbedAsync(new ImageSource.Bytes(images[Interlocked.Increment(ref next) % images.Count]));
                var milliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                lock (latencies)
                {
                    latencies.Add(milliseconds);
                }
            }
        })));
        var elapsed = clock.Elapsed;
        latencies.Sort();
        return (latencies.Count / elapsed.TotalSeconds, latencies);
    }

    /// <summary>Each client uploads the next photo as soon as its last search answered, until the time is up.</summary>
    private static async Task<TimeSpan> SearchAsync(HttpClient client, IReadOnlyList<byte[]> images, int clients, TimeSpan duration, LatencyLog log)
    {
        var clock = Stopwatch.StartNew();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await client.PostAsync("/search?limit=10", Upload(images[Interlocked.Increment(ref next) % images.Count]));
                await response.Content.ReadAsByteArrayAsync();
                log.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, (int)response.StatusCode);
            }
        })));
        return clock.Elapsed;
    }

    public static MultipartFormDataContent Upload(byte[] image)
    {
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        return new MultipartFormDataContent { { file, "image", "photo.jpg" } };
    }
}
