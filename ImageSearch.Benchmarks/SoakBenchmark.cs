using System.Diagnostics;
using System.Net.Http.Json;
using ImageSearch.Benchmarks.Load;
using ImageSearch.Benchmarks.Topology;

namespace ImageSearch.Benchmarks;

/// <summary>
/// A long mixed load on the system (enqueue and status at paced rates, searches by upload from a few clients, workers
/// indexing what is enqueued), printing each minute the requests done and the lowest resident memory of every process
/// in that minute (sampled each second), then whether the API's and the workers' memory grew: the slope of a line
/// fitted to those lows after the warm-up.
/// </summary>
public sealed class SoakBenchmark : IBenchmark
{
    private const double GrowthThresholdMbPerMinute = 2;

    public string Name => "soak";

    public string Description => "mixed load (enqueue + status + search) for 10 minutes; does memory grow? [--minutes 10] [--enqueue-rate 100] " +
        "[--status-rate 200] [--search-clients 2] [--workers 1] [--photos DIR] [--services DIR] [--api-env K=V] [--worker-env K=V]";

    public async Task<int> RunAsync(string[] args)
    {
        var arguments = new BenchmarkArguments(args);
        if (Photos.Find(arguments) is not { } photos)
        {
            return 1;
        }

        var minutes = arguments.GetInt("--minutes", 10);
        var enqueueRate = arguments.GetInt("--enqueue-rate", 100);
        var statusRate = arguments.GetInt("--status-rate", 200);
        var searchClients = arguments.GetInt("--search-clients", 2);
        var workers = arguments.GetInt("--workers", 1);
        var build = ServiceBuild.FromArguments(arguments)[^1];
        var names = Photos.Names(photos);
        var images = names.Select(name => File.ReadAllBytes(Path.Combine(photos, name))).ToList();
        var runDirectory = Directory.CreateTempSubdirectory("imagesearch-bench-soak-").FullName;
        Console.WriteLine($"soak: {Environment.ProcessorCount} cores, load average {Statistics.LoadAverage()}; {build.Label}; {minutes} min of " +
            $"enqueue {enqueueRate}/s + status {statusRate}/s + {searchClients} search clients, {workers} workers; logs in {runDirectory}");

        var settings = new DeploymentSettings(build, workers, photos, RedisAppendOnly: true,
            arguments.GetSettings("--api-env"), arguments.GetSettings("--worker-env"));
        await using var deployment = await Deployment.StartAsync(settings, "soak");
        using var client = deployment.CreateClient(256);
        var processes = deployment.Processes;
        var logs = new Dictionary<string, LatencyLog> { ["enqueue"] = new(), ["status"] = new(), ["search"] = new() };
        var recent = new RecentTaskIds();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(minutes));
        var clock = Stopwatch.StartNew();

        var load = new List<Task>
        {
            PacedAsync(enqueueRate, stop.Token, async i =>
            {
                using var response = await client.PostAsJsonAsync("/queue/enqueue",
                    new ApiClient.TaskRequest($"soak-{i}", names[(int)(i % names.Count)]), ApiClient.Json);
                if (response.IsSuccessStatusCode && await response.Content.ReadFromJsonAsync<Enqueued>(ApiClient.Json) is { } enqueued)
                {
                    recent.Add(enqueued.TaskId);
                }

                return (int)response.StatusCode;
            }, logs["enqueue"]),
            PacedAsync(statusRate, stop.Token, async _ =>
            {
                if (recent.Pick() is not { } taskId)
                {
                    return 200;
                }

                using var response = await client.GetAsync($"/queue/status/{taskId}");
                await response.Content.ReadAsByteArrayAsync();
                return (int)response.StatusCode;
            }, logs["status"])
        };
        load.AddRange(Enumerable.Range(0, searchClients).Select(c => Task.Run(async () =>
        {
            for (var i = c; !stop.IsCancellationRequested; i += searchClients)
            {
                await TimedAsync(logs["search"], async () =>
                {
                    using var response = await client.PostAsync("/search?limit=10", UploadSearchBenchmark.Upload(images[i % images.Count]));
                    await response.Content.ReadAsByteArrayAsync();
                    return (int)response.StatusCode;
                });
            }
        })));

        var samples = processes.ToDictionary(process => process.Name, _ => new List<(double Minute, double Mb)>());
        Console.WriteLine($"  {"min",4} {"enqueue/s",10} {"p99 ms",7} {"status/s",9} {"p99 ms",7} {"search/s",9} {"p99 ms",7} {"not 2xx",8}  " +
            string.Join(' ', processes.Select(process => $"{process.Name + " low MB",14}")));
        await using var sampler = new MemorySampler(processes, TimeSpan.FromSeconds(1));
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1));
        var last = TimeSpan.Zero;
        for (var minute = 1; minute <= minutes && await timer.WaitForNextTickAsync(); minute++)
        {
            var now = clock.Elapsed;
            var seconds = (now - last).TotalSeconds;
            last = now;
            var figures = logs.ToDictionary(log => log.Key, log => log.Value.Take());
            // The lowest of the minute's samples: one sample rose and fell by tens of MB with the searches in flight.
            var memory = sampler.TakeLows();
            for (var i = 0; i < processes.Count; i++)
            {
                samples[processes[i].Name].Add((now.TotalMinutes, memory[i]));
            }

            string Rate(string kind) => $"{figures[kind].Milliseconds.Count / seconds,10:0.0} {Statistics.Percentile(figures[kind].Milliseconds, 0.99),7:0}";
            Console.WriteLine($"  {now.TotalMinutes,4:0} {Rate("enqueue")} {Rate("status")[1..]} {Rate("search")[1..]} " +
                $"{figures.Values.Sum(f => f.Failures),8}  {string.Join(' ', memory.Select(mb => $"{mb,14:0}"))}");
        }

        await Task.WhenAll(load);
        Console.WriteLine($"  load average {Statistics.LoadAverage()}");
        var verdicts = new List<string>();
        // Redis holds the queue: with enqueue faster than the workers index, it grows with the backlog by design.
        foreach (var process in processes.Where(process => process != deployment.Redis.Process))
        {
            // The first two minutes are warm-up: JIT, the index, Redis's own buffers.
            var steady = samples[process.Name].Where(sample => sample.Minute > 2.5).ToList();
            var slope = Slope(steady);
            var grows = slope > GrowthThresholdMbPerMinute;
            verdicts.Add($"{process.Name} {(grows ? "GROWS" : "flat")}");
            Console.WriteLine($"  {process.Name,-10} after warm-up: {(steady.Count == 0 ? "n/a" : $"{steady.Min(s => s.Mb):0}-{steady.Max(s => s.Mb):0} MB")}, " +
                $"slope {slope:+0.0;-0.0} MB/min: {(grows ? "grows" : "no growth")} (threshold {GrowthThresholdMbPerMinute} MB/min)");
        }

        Console.WriteLine($"  verdict: {string.Join(", ", verdicts)}; redis holds {ProcessUsage.Read(deployment.Redis.Process.Pid).ResidentMb:0} MB " +
            "(the queue's backlog and records: enqueue outpaces indexing here)");
        return 0;
    }

    private sealed record Enqueued(string TaskId);

    /// <summary>Calls <paramref name="request"/> <paramref name="perSecond"/> times a second from enough concurrent callers.</summary>
    private static async Task PacedAsync(int perSecond, CancellationToken stop, Func<long, Task<int>> request, LatencyLog log)
    {
        const int Callers = 16;
        var interval = TimeSpan.FromSeconds((double)Callers / perSecond);
        var sequence = -1L;
        await Task.WhenAll(Enumerable.Range(0, Callers).Select(caller => Task.Run(async () =>
        {
            await Task.Delay(interval * caller / Callers, CancellationToken.None);
            using var timer = new PeriodicTimer(interval);
            try
            {
                while (await timer.WaitForNextTickAsync(stop))
                {
                    await TimedAsync(log, () => request(Interlocked.Increment(ref sequence)));
                }
            }
            catch (OperationCanceledException)
            {
            }
        })));
    }

    private static async Task TimedAsync(LatencyLog log, Func<Task<int>> request)
    {
        var started = Stopwatch.GetTimestamp();
        int status;
        try
        {
            status = await request();
        }
        catch (HttpRequestException)
        {
            status = 0;
        }

        log.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, status);
    }

    private static double Slope(IReadOnlyList<(double X, double Y)> points)
    {
        if (points.Count < 2)
        {
            return 0;
        }

        var meanX = points.Average(p => p.X);
        var meanY = points.Average(p => p.Y);
        var denominator = points.Sum(p => (p.X - meanX) * (p.X - meanX));
        return denominator == 0 ? 0 : points.Sum(p => (p.X - meanX) * (p.Y - meanY)) / denominator;
    }

    /// <summary>The ids of the last tasks enqueued, for status reads of tasks that exist.</summary>
    private sealed class RecentTaskIds
    {
        private readonly string?[] _ids = new string?[1024];
        private long _count;

        public void Add(string taskId) => _ids[(Interlocked.Increment(ref _count) - 1) % _ids.Length] = taskId;

        public string? Pick()
        {
            var count = Interlocked.Read(ref _count);
            return count == 0 ? null : _ids[Random.Shared.NextInt64(Math.Min(count, _ids.Length))];
        }
    }
}
