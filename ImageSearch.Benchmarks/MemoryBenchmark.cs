using ImageSearch.Benchmarks.Load;
using ImageSearch.Benchmarks.Topology;

namespace ImageSearch.Benchmarks;

/// <summary>
/// The API's resident memory idle, during and after consecutive rounds of enqueue load (wrk, <c>Load/enqueue.lua</c>),
/// and idle again: whether it stays under its budget and whether it grows from round to round. Builds and variants
/// are measured side by side, round by round.
/// </summary>
public sealed class MemoryBenchmark : IBenchmark
{
    public string Name => "memory";

    public string Description => "API resident memory idle and over rounds of enqueue load [--rounds 3] [--duration 60] [--connections 64] " +
        "[--services DIR] [--variant K=V,K=V] [--api-env K=V]";

    public async Task<int> RunAsync(string[] args)
    {
        var arguments = new BenchmarkArguments(args);
        var rounds = arguments.GetInt("--rounds", 3);
        var duration = arguments.GetSeconds("--duration", 60);
        var connections = arguments.GetInt("--connections", 64);
        var settle = TimeSpan.FromSeconds(10);
        var runDirectory = Directory.CreateTempSubdirectory("imagesearch-bench-memory-").FullName;
        var counters = RuntimeCounters.FindTool();
        Console.WriteLine($"memory: {Environment.ProcessorCount} cores, load average {Statistics.LoadAverage()}; {rounds} rounds of {duration.TotalSeconds:0} s " +
            $"at {connections} connections; logs in {runDirectory}");

        var targets = new List<(ServiceVariant Variant, Deployment Deployment)>();
        try
        {
            foreach (var variant in ServiceVariant.FromArguments(arguments, "--api-env"))
            {
                var settings = new DeploymentSettings(variant.Build, 0, runDirectory, RedisAppendOnly: false, variant.Environment,
                    new Dictionary<string, string>());
                targets.Add((variant, await Deployment.StartAsync(settings, "memory")));
            }

            await Task.Delay(settle);
            foreach (var target in targets)
            {
                Console.WriteLine($"  {target.Variant.Label}: idle {target.Deployment.Api.Usage.ResidentMb:0} MB");
            }

            var peaks = targets.ToDictionary(target => target.Variant, _ => new List<double>());
            for (var round = 1; round <= rounds; round++)
            {
                foreach (var (variant, deployment) in targets)
                {
                    await RedisAdmin.FlushAsync(deployment.Redis);
                    await using var sampler = new MemorySampler([deployment.Api]);
                    var (result, runtime) = await RuntimeCounters.DuringAsync(counters, deployment.Api.Pid, duration, runDirectory, () =>
                        Wrk.RunAsync(deployment.ApiAddress, deployment.ApiKey, connections, duration, 2, runDirectory));
                    var peak = sampler.Peaks[0];
                    peaks[variant].Add(peak);
                    Console.WriteLine($"  round {round}, {variant.Label}: peak {peak:0} MB, at the end {deployment.Api.Usage.ResidentMb:0} MB; " +
                        $"{result.PerSecond:0} req/s, p50 {result.P50Ms:0.00} ms, p99 {result.P99Ms:0.00} ms, {result.Errors} errors; " +
                        $"load average {Statistics.LoadAverage()}");
                    if (runtime is not null)
                    {
                        Console.WriteLine($"        {runtime}");
                    }
                }
            }

            await Task.Delay(settle);
            Console.WriteLine();
            foreach (var (variant, deployment) in targets)
            {
                var byRound = peaks[variant];
                Console.WriteLine($"  {variant.Label}: idle after {deployment.Api.Usage.ResidentMb:0} MB; peaks {string.Join(", ", byRound.Select(p => $"{p:0}"))} MB; " +
                    $"highest {byRound.Max():0} MB; last round minus first {byRound[^1] - byRound[0]:+0;-0} MB; " +
                    $"lifetime peak {deployment.Api.Usage.PeakResidentMb:0} MB");
            }

            return 0;
        }
        finally
        {
            foreach (var target in targets)
            {
                await target.Deployment.DisposeAsync();
            }
        }
    }
}
