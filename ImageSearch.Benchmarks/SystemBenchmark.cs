using System.Diagnostics;
using ImageSearch.Benchmarks.Topology;

namespace ImageSearch.Benchmarks;

/// <summary>
/// Indexing through the running system: its own redis-server (AOF every second, as local mode), the API and N
/// workers from the build, the photos sent as tasks with POST /queue/enqueue/batch, every task awaited. Prints
/// images/s through the system beside the in-process <c>embed</c> figure on the same photos, their ratio, each
/// process's CPU seconds and peak memory, and queue wait and processing percentiles from the task records.
/// </summary>
public sealed class SystemBenchmark : IBenchmark
{
    public string Name => "system";

    public string Description => "images/s through redis + API + N workers vs in-process embed [--photos DIR] [--workers N] [--tasks N] " +
        "[--services DIR] [--rounds N] [--worker-env K=V] [--api-env K=V] [--variant K=V,K=V (workers)] [--no-embed]";

    public async Task<int> RunAsync(string[] args)
    {
        var arguments = new BenchmarkArguments(args);
        if (Photos.Find(arguments) is not { } photos)
        {
            return 1;
        }

        var workers = arguments.GetInt("--workers", 2);
        var tasks = arguments.GetInt("--tasks", 400);
        var rounds = arguments.GetInt("--rounds", 1);
        var workerEnvironment = arguments.GetSettings("--worker-env");
        var apiEnvironment = arguments.GetSettings("--api-env");
        // Here a --variant's settings go to the workers: it compares worker settings side by side.
        var builds = ServiceVariant.FromArguments(arguments, "--worker-env");
        var runDirectory = Directory.CreateTempSubdirectory("imagesearch-bench-system-").FullName;

        Console.WriteLine($"system: {Environment.ProcessorCount} cores, load average {Statistics.LoadAverage()}");
        Console.WriteLine($"  {Photos.Describe(photos)}; {tasks} tasks, {workers} workers, {rounds} round(s)");
        Console.WriteLine($"  builds: {string.Join("; ", builds.Select(build => build.Label))}");
        Console.WriteLine($"  worker settings: {Describe(workerEnvironment)}; API settings: {Describe(apiEnvironment)}");
        Console.WriteLine($"  logs: {runDirectory}");

        var results = new List<(int Round, string Label, double ImagesPerSecond, double? EmbedPerSecond)>();
        for (var round = 1; round <= rounds; round++)
        {
            double? embed = null;
            if (!arguments.Has("--no-embed"))
            {
                var figure = await InProcessEmbedding.MeasureAsync(photos, tasks, runDirectory);
                embed = figure.ImagesPerSecond;
                Console.WriteLine($"\n[round {round}] in-process embed (EmbedBatchAsync, {tasks} images): {figure.ImagesPerSecond:0.0} images/s; " +
                    $"CPU {figure.Usage.CpuSeconds:0.0} s and peak {figure.Usage.PeakResidentMb:0} MB over all of embed's phases; load average {Statistics.LoadAverage()}");
            }

            foreach (var (label, build, environment) in builds)
            {
                var settings = new DeploymentSettings(build, workers, photos, RedisAppendOnly: true, apiEnvironment, environment);
                var imagesPerSecond = await RunOnceAsync(settings, label, photos, tasks, round, embed);
                results.Add((round, label, imagesPerSecond, embed));
            }
        }

        Console.WriteLine($"\nsummary (load average {Statistics.LoadAverage()}):");
        foreach (var (round, label, imagesPerSecond, embed) in results)
        {
            Console.WriteLine($"  round {round}, {label}: {imagesPerSecond:0.0} images/s through the system" +
                (embed is { } e ? $", in-process {e:0.0}, ratio {imagesPerSecond / e:0.00}" : ""));
        }

        return 0;
    }

    private static async Task<double> RunOnceAsync(DeploymentSettings settings, string label, string photos, int taskCount, int round, double? embed)
    {
        await using var deployment = await Deployment.StartAsync(settings, "system");
        using var client = deployment.CreateClient();
        var names = Photos.Names(photos);

        // Warm-up: the first images through each worker pay for JIT and ONNX Runtime's first allocations, as in-process.
        var warmUp = settings.Workers * 4;
        await ApiClient.EnqueueAsync(client, Tasks(names, warmUp, $"warmup-{round}"));
        await ApiClient.WaitFinishedAsync(client, warmUp, TimeSpan.FromMinutes(5));

        var processes = deployment.Processes;
        var before = processes.Select(process => process.Usage).ToList();
        await using var sampler = new MemorySampler(processes);
        var clock = Stopwatch.StartNew();
        var ids = await ApiClient.EnqueueAsync(client, Tasks(names, taskCount, $"bench-{round}"));
        var enqueued = clock.Elapsed;
        await ApiClient.WaitFinishedAsync(client, warmUp + taskCount, TimeSpan.FromSeconds(60 + taskCount * 2));
        var seen = clock.Elapsed;
        var after = processes.Select(process => process.Usage).ToList();
        var peaks = sampler.Peaks.ToList();

        var records = await FetchRecordsAsync(client, ids);
        var completed = records.Count(record => record.Status == "completed");
        var firstCreated = records.Min(record => record.CreatedAt);
        var lastFinished = records.Max(record => record.FinishedAt ?? record.CreatedAt);
        var span = (lastFinished - firstCreated).TotalSeconds;
        var imagesPerSecond = taskCount / span;

        Console.WriteLine($"\n[round {round}] {label}: {settings.Workers} workers, {taskCount} tasks " +
            $"({completed} completed, {taskCount - completed} not), load average {Statistics.LoadAverage()}");
        Console.WriteLine($"  through the system:  {imagesPerSecond,7:0.0} images/s  (first created_at to last finished_at {span:0.00} s; " +
            $"enqueue calls took {enqueued.TotalSeconds:0.00} s, client saw all done at {seen.TotalSeconds:0.00} s)");
        if (embed is { } inProcess)
        {
            Console.WriteLine($"  in-process embed:    {inProcess,7:0.0} images/s  ratio {imagesPerSecond / inProcess:0.00}");
        }

        var finished = records.Where(record => record is { StartedAt: not null, FinishedAt: not null }).ToList();
        Console.WriteLine($"  queue wait (s):      {Statistics.Summary(finished.Select(r => (r.StartedAt!.Value - r.CreatedAt).TotalSeconds), "0.00")}");
        Console.WriteLine($"  processing (ms):     {Statistics.Summary(finished.Select(r => (r.FinishedAt!.Value - r.StartedAt!.Value).TotalMilliseconds), "0")}");
        foreach (var worker in finished.GroupBy(record => record.WorkerId ?? "?").OrderBy(group => group.Key))
        {
            // Busy: the union of the worker's [started, finished] intervals; what is left of the span it spent between batches.
            var busy = Busy(worker.Select(r => (r.StartedAt!.Value, r.FinishedAt!.Value)));
            Console.WriteLine($"  {worker.Key,-18} {worker.Count(),5} tasks, busy {busy:0.00} s of {span:0.00} s ({100 * busy / span:0} %)");
        }

        Console.WriteLine($"  {"process",-12} {"CPU s (run)",12} {"CPU s (all)",12} {"peak MB (run)",14} {"peak MB (life)",15} {"MB after",9}");
        for (var i = 0; i < processes.Count; i++)
        {
            Console.WriteLine($"  {processes[i].Name,-12} {after[i].CpuSeconds - before[i].CpuSeconds,12:0.0} {after[i].CpuSeconds,12:0.0} " +
                $"{peaks[i],14:0} {after[i].PeakResidentMb,15:0} {after[i].ResidentMb,9:0}");
        }

        var cpu = processes.Select((_, i) => after[i].CpuSeconds - before[i].CpuSeconds).Sum();
        Console.WriteLine($"  all processes: {cpu:0.0} CPU s over {span:0.0} s = {cpu / span:0.00} cores busy; {cpu / taskCount * 1000:0} CPU ms an image");
        return imagesPerSecond;
    }

    private static List<ApiClient.TaskRequest> Tasks(IReadOnlyList<string> names, int count, string prefix) =>
        Enumerable.Range(0, count).Select(i => new ApiClient.TaskRequest($"{prefix}-{i}", names[i % names.Count], $"Product {i}")).ToList();

    private static async Task<IReadOnlyList<ApiClient.TaskRecord>> FetchRecordsAsync(HttpClient client, IReadOnlyList<string> ids)
    {
        var records = new ApiClient.TaskRecord[ids.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, ids.Count), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, _) => records[i] = await ApiClient.GetTaskAsync(client, ids[i]));
        return records;
    }

    private static double Busy(IEnumerable<(DateTimeOffset Start, DateTimeOffset End)> intervals)
    {
        var total = 0.0;
        DateTimeOffset? start = null, end = null;
        foreach (var (s, e) in intervals.OrderBy(interval => interval.Start))
        {
            if (end is null || s > end)
            {
                total += end is null ? 0 : (end.Value - start!.Value).TotalSeconds;
                (start, end) = (s, e);
            }
            else if (e > end)
            {
                end = e;
            }
        }

        return total + (end is null ? 0 : (end.Value - start!.Value).TotalSeconds);
    }

    private static string Describe(IReadOnlyDictionary<string, string> settings) =>
        settings.Count == 0 ? "defaults" : string.Join(' ', settings.Select(setting => $"{setting.Key}={setting.Value}"));
}
