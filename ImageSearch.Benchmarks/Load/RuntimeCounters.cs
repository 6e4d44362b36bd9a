using System.Globalization;
using ImageSearch.Benchmarks.Topology;

namespace ImageSearch.Benchmarks.Load;

/// <summary>
/// The runtime's own counters of a service during one load run (GC collections and pause time, allocation rate, heap
/// size, thread-pool queue, lock contention), collected with <c>dotnet-counters</c> when it is installed
/// (<c>dotnet tool install -g dotnet-counters</c>); without it the benchmark runs and prints none.
/// </summary>
public sealed record RuntimeCounters(
    double Gen0, double Gen1, double Gen2, double GcPauseSeconds, double AllocatedMbPerSecond,
    double MaxHeapMb, double MaxCommittedMb, double MaxThreadPoolQueue, double ThreadsAdded, double LockContentions)
{
    public override string ToString() =>
        $"GC gen0/1/2 {Gen0:0}/{Gen1:0}/{Gen2:0}, pause {GcPauseSeconds * 1000:0} ms, alloc {AllocatedMbPerSecond:0} MB/s, " +
        $"heap max {MaxHeapMb:0} MB (committed {MaxCommittedMb:0}), thread-pool queue max {MaxThreadPoolQueue:0}, " +
        $"threads +{ThreadsAdded:0}, lock contentions {LockContentions:0}";

    public static string? FindTool() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Append(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools"))
            .Select(directory => Path.Combine(directory, "dotnet-counters"))
            .FirstOrDefault(File.Exists);

    /// <summary>
    /// Runs <paramref name="load"/> while collecting the counters of <paramref name="pid"/> (no figures when
    /// <paramref name="tool"/> or <paramref name="pid"/> is null, or when no session opens). The session is opened before
    /// the load starts and only its samples taken under load count: the tool's own start-up (a .NET program's, about a
    /// CPU-second) inside a 15 s run at 10 connections cost the API 10-12 % of its requests and 40-100 % on its p99
    /// (three pairs of runs).
    /// </summary>
    public static async Task<(T Result, RuntimeCounters? Counters)> DuringAsync<T>(string? tool, int? pid, TimeSpan loadDuration,
        string logDirectory, Func<Task<T>> load)
    {
        if (tool is null || pid is null)
        {
            return (await load(), null);
        }

        var csv = Path.Combine(logDirectory, $"counters-{pid}-{DateTime.UtcNow:HHmmssfff}.csv");
        // The tool writes its file only when its --duration ends (not when killed): long enough to outlast the load.
        await using var process = ChildProcess.Start(Path.GetFileNameWithoutExtension(csv), tool,
            ["collect", "-p", pid.Value.ToString(CultureInfo.InvariantCulture), "--format", "csv", "-o", csv, "--refresh-interval", "1",
             "--duration", (loadDuration + SessionMargin).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture), "--counters", "System.Runtime"],
            logDirectory, new Dictionary<string, string?>(), logDirectory);
        try
        {
            await process.WaitForOutputAsync("Starting a counter session", TimeSpan.FromSeconds(30));
        }
        catch (InvalidOperationException exception)
        {
            Console.WriteLine($"  (no runtime counters: {exception.Message})");
            return (await load(), null);
        }

        var loadStart = DateTime.Now;
        var result = await load();
        var loadEnd = DateTime.Now;
        await process.WaitForExitAsync();
        return (result, File.Exists(csv) ? Parse(csv, loadStart, loadEnd) : null);
    }

    private static readonly TimeSpan SessionMargin = TimeSpan.FromSeconds(3);

    private static RuntimeCounters Parse(string csv, DateTime from, DateTime to)
    {
        // Timestamp,Provider,Counter Name,Counter Type,Mean/Increment: rates are per second, gauges are values.
        var samples = File.ReadLines(csv).Skip(1)
            .Select(line => line.Split(','))
            .Where(fields => fields.Length >= 5)
            .Select(fields => (Time: fields[0], Name: string.Join(',', fields[2..^2]), Value: double.Parse(fields[^1], CultureInfo.InvariantCulture)))
            // Local time, to the second, at the end of each interval.
            .Where(sample => !DateTime.TryParse(sample.Time, CultureInfo.InvariantCulture, out var time) || (time > from && time <= to.AddSeconds(1)))
            .ToList();
        double Sum(string name) => samples.Where(s => s.Name.StartsWith(name, StringComparison.Ordinal)).Sum(s => s.Value);
        double Max(string name) => samples.Where(s => s.Name.StartsWith(name, StringComparison.Ordinal)).Select(s => s.Value).DefaultIfEmpty().Max();
        // Up-down counters come as changes per interval; their running sum is the level (from the level at start, ~0 idle).
        double MaxLevel(string name) => samples.Where(s => s.Name.StartsWith(name, StringComparison.Ordinal))
            .Aggregate((Level: 0.0, Max: 0.0), (acc, s) => (acc.Level + s.Value, Math.Max(acc.Max, acc.Level + s.Value))).Max;
        var seconds = Math.Max(1, samples.Count(s => s.Name.StartsWith("dotnet.gc.pause.time", StringComparison.Ordinal)));
        var heap = samples.Where(s => s.Name.StartsWith("dotnet.gc.last_collection.heap.size", StringComparison.Ordinal))
            .GroupBy(s => s.Time).Select(generations => generations.Sum(s => s.Value)).DefaultIfEmpty().Max();
        return new RuntimeCounters(
            Sum("dotnet.gc.collections ({collection} / 1 sec)[gc.heap.generation=gen0]"),
            Sum("dotnet.gc.collections ({collection} / 1 sec)[gc.heap.generation=gen1]"),
            Sum("dotnet.gc.collections ({collection} / 1 sec)[gc.heap.generation=gen2]"),
            Sum("dotnet.gc.pause.time"),
            Sum("dotnet.gc.heap.total_allocated") / seconds / 1e6,
            heap / 1e6,
            Max("dotnet.gc.last_collection.memory.committed_size") / 1e6,
            MaxLevel("dotnet.thread_pool.queue.length"),
            MaxLevel("dotnet.thread_pool.thread.count"),
            Sum("dotnet.monitor.lock_contentions"));
    }
}
