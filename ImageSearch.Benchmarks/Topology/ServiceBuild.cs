namespace ImageSearch.Benchmarks.Topology;

/// <summary>
/// The API and worker programs a benchmark runs: this checkout's build (the configuration the benchmark itself was
/// built in, so <c>dotnet run -c Release</c> runs the Release services), or another checkout's given with
/// <c>--services DIR</c>, to measure before and after in one run.
/// </summary>
public sealed record ServiceBuild(string Label, string ApiDll, string WorkerDll)
{
    private const string ThisCheckoutLabel = "this checkout";
    private const string ApiName = "ImageSearch.Api";
    private const string WorkerName = "ImageSearch.Worker";

    /// <summary>The builds to compare: this checkout's, then the one named by <c>--services</c>, if any.</summary>
    public static IReadOnlyList<ServiceBuild> FromArguments(BenchmarkArguments arguments)
    {
        var builds = new List<ServiceBuild> { ThisCheckout() };
        if (arguments.Get("--services") is { } other)
        {
            builds.Add(FromDirectory(other));
        }

        return builds;
    }

    public static ServiceBuild ThisCheckout()
    {
        // This program runs from <checkout>/ImageSearch.Benchmarks/bin/<configuration>/<framework>/.
        var output = new DirectoryInfo(AppContext.BaseDirectory);
        var framework = output.Name;
        var configuration = output.Parent!.Name;
        var checkout = output.Parent.Parent!.Parent!.Parent!.FullName;
        if (!string.Equals(configuration, "Release", StringComparison.OrdinalIgnoreCase))
        {
            Console.WriteLine($"warning: this is a {configuration} build; figures need -c Release.");
        }

        return FromCheckout(ThisCheckoutLabel, checkout, configuration, framework)
            ?? throw new InvalidOperationException($"The services of this checkout are not built in {configuration}.");
    }

    public bool IsThisCheckout => Label == ThisCheckoutLabel;

    /// <summary>A checkout built with <c>dotnet build -c Release</c>, or a folder holding both programs (or api/ and worker/).</summary>
    public static ServiceBuild FromDirectory(string directory)
    {
        var full = Path.GetFullPath(directory);
        var framework = new DirectoryInfo(AppContext.BaseDirectory).Name;
        return FromCheckout(full, full, "Release", framework)
            ?? Existing(full, Path.Combine(full, ApiName + ".dll"), Path.Combine(full, WorkerName + ".dll"))
            ?? Existing(full, Path.Combine(full, "api", ApiName + ".dll"), Path.Combine(full, "worker", WorkerName + ".dll"))
            ?? throw new ArgumentException(
                $"--services {directory}: no {ApiName}.dll and {WorkerName}.dll there (build that checkout with dotnet build -c Release).");
    }

    private static ServiceBuild? FromCheckout(string label, string checkout, string configuration, string framework) =>
        Existing(label,
            Path.Combine(checkout, ApiName, "bin", configuration, framework, ApiName + ".dll"),
            Path.Combine(checkout, WorkerName, "bin", configuration, framework, WorkerName + ".dll"));

    private static ServiceBuild? Existing(string label, string api, string worker) =>
        File.Exists(api) && File.Exists(worker) ? new ServiceBuild(label, api, worker) : null;
}
