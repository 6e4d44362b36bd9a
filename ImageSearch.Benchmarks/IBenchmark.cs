namespace ImageSearch.Benchmarks;

/// <summary>One benchmark, run as <c>dotnet run -c Release --project ImageSearch.Benchmarks -- NAME [options]</c>.</summary>
public interface IBenchmark
{
    string Name { get; }

    string Description { get; }

    /// <summary>Runs the benchmark and prints its figures; returns the process exit code.</summary>
    Task<int> RunAsync(string[] args);
}
