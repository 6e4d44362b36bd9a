using System.Globalization;
using System.Text.Json;
using ImageSearch.Benchmarks.Topology;

namespace ImageSearch.Benchmarks.Load;

/// <summary>One run of wrk (Debian's <c>wrk</c> package) with <c>Load/enqueue.lua</c>, and the figures its done() prints.</summary>
public static class Wrk
{
    /// <param name="CpuSeconds">
    /// wrk's own CPU time: on a machine it shares with the services, what it takes from them. Read as the CPU time of this
    /// process's exited children, so another child that exits meanwhile would count too; dotnet-counters starts before wrk
    /// and ends after it.
    /// </param>
    public sealed record Result(long Requests, double Seconds, long Errors, double P50Ms, double P90Ms, double P99Ms, double MaxMs,
        double CpuSeconds)
    {
        public double PerSecond => Requests / Seconds;

        public double TailRatio => P99Ms / P50Ms;
    }

    private sealed record Summary(long Requests, long DurationUs, long ConnectErrors, long ReadErrors, long WriteErrors,
        long StatusErrors, long Timeouts, long P50Us, long P90Us, long P99Us, long MaxUs);

    public static string Script => Path.Combine(AppContext.BaseDirectory, "Load", "enqueue.lua");

    public static async Task<Result> RunAsync(Uri target, string? apiKey, int connections, TimeSpan duration, int threads, string logDirectory)
    {
        var name = $"wrk-{target.Port}-t{threads}-c{connections}-{DateTime.UtcNow:HHmmssfff}";
        var childrenCpu = ProcessUsage.ExitedChildrenCpuSeconds();
        await using var wrk = ChildProcess.Start(name, "wrk",
        [
            "-t", Math.Min(threads, connections).ToString(CultureInfo.InvariantCulture),
            "-c", connections.ToString(CultureInfo.InvariantCulture),
            "-d", $"{(int)duration.TotalSeconds}s",
            "--timeout", "10s",
            "-s", Script,
            target.ToString()
        ], AppContext.BaseDirectory, new Dictionary<string, string?> { ["API_KEY"] = apiKey ?? "" }, logDirectory);
        var exitCode = await wrk.WaitForExitAsync();
        var cpuSeconds = ProcessUsage.ExitedChildrenCpuSeconds() - childrenCpu;
        await Task.Delay(50);
        var output = await File.ReadAllLinesAsync(wrk.LogPath);
        var json = output.LastOrDefault(line => line.StartsWith('{'));
        if (exitCode != 0 || json is null)
        {
            throw new InvalidOperationException($"wrk failed (exit code {exitCode}):\n{string.Join('\n', output)}");
        }

        var s = JsonSerializer.Deserialize<Summary>(json, ApiClient.Json)!;
        return new Result(s.Requests, s.DurationUs / 1e6, s.ConnectErrors + s.ReadErrors + s.WriteErrors + s.StatusErrors + s.Timeouts,
            s.P50Us / 1000.0, s.P90Us / 1000.0, s.P99Us / 1000.0, s.MaxUs / 1000.0, cpuSeconds);
    }
}
