using System.Globalization;
using System.Text.RegularExpressions;
using ImageSearch.Benchmarks.Topology;

namespace ImageSearch.Benchmarks;

/// <summary>
/// The <c>embed</c> benchmark's end-to-end figure (<see cref="EmbeddingBenchmark"/>, EmbedBatchAsync in one process,
/// no queue) on the same photos and image count, run as a process of its own so that it shares nothing with the
/// system it is compared with.
/// </summary>
internal static partial class InProcessEmbedding
{
    public sealed record Figure(double ImagesPerSecond, ProcessUsage Usage, string Output);

    public static async Task<Figure> MeasureAsync(string photos, int images, string runDirectory)
    {
        var benchmarks = Path.Combine(AppContext.BaseDirectory, "ImageSearch.Benchmarks.dll");
        await using var process = ChildProcess.Start("embed", "dotnet",
            [benchmarks, "embed", "--photos", photos, "--images", images.ToString(CultureInfo.InvariantCulture)],
            AppContext.BaseDirectory, new Dictionary<string, string?>(), runDirectory);
        var usage = default(ProcessUsage);
        var watching = Task.Run(async () =>
        {
            while (!process.HasExited)
            {
                usage = process.Usage is { PeakResidentMb: > 0 } now ? now : usage;
                await Task.Delay(100);
            }
        });
        var exitCode = await process.WaitForExitAsync();
        await watching;
        await Task.Delay(100);
        var output = await File.ReadAllTextAsync(process.LogPath);
        if (exitCode != 0 || EndToEnd().Match(output) is not { Success: true } match)
        {
            throw new InvalidOperationException($"The embed benchmark failed (exit code {exitCode}):\n{output}");
        }

        return new Figure(double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), usage, output);
    }

    [GeneratedRegex(@"end to end, pipelined \(EmbedBatch\):\s+([0-9.]+) images/s")]
    private static partial Regex EndToEnd();
}
