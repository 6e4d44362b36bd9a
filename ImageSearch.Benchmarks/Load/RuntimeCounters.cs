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

    /// <summary>Starts collecting from <paramref name="pid"/> for <paramref name="duration"/>; await the task for the figures.</summary>
    public static Task<RuntimeCounters?> CollectAsync(string tool, int pid, TimeSpan duration, string logDirectory)
    {
        var csv = Path.Combine(logDirectory, $"counters-{pid}-{DateTime.UtcNow:HHmmssfff}.csv");
        var process = ChildProcess.Start(Path.GetFileNameWithoutExtension(csv), tool,
            ["collect", "-p", pid.ToString(CultureInfo.InvariantCulture), "--format", "csv", "-o", csv, "--refresh-interval", "1",
             "--duration", duration.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture), "--counters", "System.Runtime"],
            logDirectory, new Dictionary<string, string?>(), logDirectory);
        return ReadWhenDoneAsync(process, csv);
    }

    private static async Task<RuntimeCounters?> ReadWhenDoneAsync(ChildProcess process, string csv)
    {
        await using (process)
        {
            await process.WaitForExitAsync();
        }

        if (!File.Exists(csv))
        {
            return null;
        }

        // Timestamp,Provider,Counter Name,Counter Type,Mean/Increment: rates are per second, gauges are values.
        var samples = File.ReadLines(csv).Skip(1)
            .Select(line => line.Split(','))
            .Where(fields => fields.Length >= 5)
            .Select(fields => (Time: fields[0], Name: string.Join(',', fields[2..^2]), Value: double.Parse(fields[^1], CultureInfo.InvariantCulture)))
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
