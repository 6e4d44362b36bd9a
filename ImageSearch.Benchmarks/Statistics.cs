namespace ImageSearch.Benchmarks;

internal static class Statistics
{
    /// <summary>The nearest-rank percentile of sorted values; NaN when there are none.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double fraction) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>"p50 1.2 p90 3.4 p99 5.6 max 7.8" in the given unit.</summary>
    public static string Summary(IEnumerable<double> values, string format = "0.0")
    {
        var sorted = values.Order().ToList();
        return $"p50 {Percentile(sorted, 0.50).ToString(format)}  p90 {Percentile(sorted, 0.90).ToString(format)}  " +
               $"p99 {Percentile(sorted, 0.99).ToString(format)}  max {(sorted.Count == 0 ? double.NaN : sorted[^1]).ToString(format)}";
    }

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
