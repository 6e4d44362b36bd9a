using ImageSearch.Benchmarks.Load;
using ImageSearch.Benchmarks.Topology;

namespace ImageSearch.Benchmarks;

/// <summary>
/// HTTP enqueue throughput and latency with wrk and <c>Load/enqueue.lua</c> (a fresh product id per request): the API
/// alone on its own redis-server (no persistence, as the original's harness runs its Redis), against the build of
/// another checkout (<c>--services DIR</c>) and a running original service (<c>--original URL</c>), interleaved in one
/// run at each connection count. With dotnet-counters installed it also prints the API's GC and thread-pool counters.
/// </summary>
public sealed class HttpBenchmark : IBenchmark
{
    public string Name => "http";

    public string Description => "POST /queue/enqueue req/s and p50/p99 with wrk [--connections 10,64] [--duration S] [--services DIR] " +
        "[--original URL] [--rounds N] [--threads 1,2] [--api-env K=V] [--variant K=V,K=V]";

    public async Task<int> RunAsync(string[] args)
    {
        var arguments = new BenchmarkArguments(args);
        var connections = arguments.GetInts("--connections", 10, 64);
        var duration = arguments.GetSeconds("--duration", 30);
        var rounds = arguments.GetInt("--rounds", 1);
        // wrk's threads share the machine's cores with the services; --threads 1,2 measures each, interleaved.
        var threadCounts = arguments.GetInts("--threads", 2);
        var runDirectory = Directory.CreateTempSubdirectory("imagesearch-bench-http-").FullName;
        var counters = RuntimeCounters.FindTool();

        Console.WriteLine($"http: {Environment.ProcessorCount} cores, load average {Statistics.LoadAverage()}; wrk -t{string.Join(",", threadCounts)}, " +
            $"{duration.TotalSeconds:0} s a run, connections {string.Join(",", connections)}, {rounds} round(s); logs in {runDirectory}");
        Console.WriteLine(counters is null ? "  (dotnet-counters not installed: no runtime counters)" : $"  runtime counters from {counters}");

        var targets = new List<Target>();
        try
        {
            foreach (var (label, build, apiEnvironment) in ServiceVariant.FromArguments(arguments, "--api-env"))
            {
                var settings = new DeploymentSettings(build, 0, runDirectory, RedisAppendOnly: false, apiEnvironment,
                    new Dictionary<string, string>());
                var deployment = await Deployment.StartAsync(settings, "http");
                targets.Add(new Target(label, deployment.ApiAddress, deployment));
            }

            if (arguments.Get("--original") is { } original)
            {
                targets.Add(new Target("original", new Uri(original), null));
            }

            // Warm-up, with a counters session as in the measured runs: connection pools, and tiered compilation, which after
            // 5 s of warm-up still took 0.5-0.8 s of CPU (the runtime's JIT counters) in the first 15 s round and made its
            // p99/p50 the worst of the run.
            var warmUp = TimeSpan.FromSeconds(15);
            foreach (var target in targets)
            {
                await RuntimeCounters.DuringAsync(counters, target.Deployment?.Api.Pid, warmUp, runDirectory, () =>
                    Wrk.RunAsync(target.Address, target.Deployment?.ApiKey, connections.Max(), warmUp, threadCounts[0], runDirectory));
            }

            Console.WriteLine($"\n  {"conns",5} {"wrk -t",6} {"target",-34} {"req/s",9} {"p50 ms",7} {"p90 ms",7} {"p99 ms",7} {"max ms",7} {"p99/p50",8} {"errors",7} {"API CPU s",9} {"API MB",7} {"wrk CPU s",9}");
            var results = new List<(int Round, int Connections, int Threads, Target Target, Wrk.Result Result)>();
            for (var round = 0; round < rounds; round++)
            {
                foreach (var count in connections)
                {
                    foreach (var threads in threadCounts)
                    {
                        foreach (var target in targets)
                        {
                            results.Add((round, count, threads, target, await RunOneAsync(target, count, duration, threads, runDirectory, counters)));
                        }
                    }
                }
            }

            if (targets.Any(target => target.Deployment is null))
            {
                Console.WriteLine();
                foreach (var group in results.GroupBy(r => (r.Connections, r.Threads)))
                {
                    var originalByRound = group.Where(r => r.Target.Deployment is null).ToDictionary(r => r.Round, r => r.Result.PerSecond);
                    foreach (var target in targets.Where(target => target.Deployment is not null))
                    {
                        var mine = group.Where(r => r.Target == target).ToList();
                        // The machine's speed drifts between rounds for every target alike; each round's own ratio shows the spread.
                        var perRound = mine.Select(r => r.Result.PerSecond / originalByRound[r.Round]).ToList();
                        Console.WriteLine($"  {group.Key.Connections} connections, wrk -t{group.Key.Threads}, {target.Label}: " +
                            $"{mine.Average(r => r.Result.PerSecond) / originalByRound.Values.Average():0.0}x the original's req/s " +
                            $"(rounds {perRound.Min():0.0}x to {perRound.Max():0.0}x), p99/p50 {mine.Average(r => r.Result.TailRatio):0.0}");
                    }
                }
            }

            Console.WriteLine($"  load average after: {Statistics.LoadAverage()}");
            return 0;
        }
        finally
        {
            foreach (var target in targets)
            {
                if (target.Deployment is { } deployment)
                {
                    await deployment.DisposeAsync();
                }
            }
        }
    }

    private static async Task<Wrk.Result> RunOneAsync(Target target, int connections, TimeSpan duration, int threads, string runDirectory,
        string? countersTool)
    {
        var api = target.Deployment?.Api;
        if (target.Deployment is { } deployment)
        {
            await RedisAdmin.FlushAsync(deployment.Redis);
        }

        var (run, figures) = await RuntimeCounters.DuringAsync(countersTool, api?.Pid, duration, runDirectory, async () =>
        {
            var before = api?.Usage;
            await using var sampler = api is null ? null : new MemorySampler([api]);
            var result = await Wrk.RunAsync(target.Address, target.Deployment?.ApiKey, connections, duration, threads, runDirectory);
            return (Result: result, Before: before, After: api?.Usage, PeakMb: sampler?.Peaks[0]);
        });
        var result = run.Result;
        var cpu = run.Before is { } b && run.After is { } a ? $"{a.CpuSeconds - b.CpuSeconds,9:0.0}" : $"{"",9}";
        var memory = run.PeakMb is { } peakMb ? $"{peakMb,7:0}" : $"{"",7}";
        Console.WriteLine($"  {connections,5} {threads,6} {target.Label,-34} {result.PerSecond,9:0} {result.P50Ms,7:0.00} {result.P90Ms,7:0.00} {result.P99Ms,7:0.00} " +
            $"{result.MaxMs,7:0} {result.TailRatio,8:0.0} {result.Errors,7} {cpu} {memory} {result.CpuSeconds,9:0.0}");
        if (figures is not null)
        {
            Console.WriteLine($"        {figures}");
        }

        return result;
    }

    private sealed record Target(string Label, Uri Address, Deployment? Deployment);
}
