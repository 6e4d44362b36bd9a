namespace ImageSearch.Benchmarks;

internal static class BenchmarkPaths
{
    /// <summary>The folder holding ImageSearch.sln, found from the binaries upwards; null when run elsewhere.</summary>
    public static string? RepositoryRoot { get; } = Find();

    private static string? Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ImageSearch.sln")))
            {
                return directory.FullName;
            }
        }

        return null;
    }
}

internal static class LoadAverage
{
    /// <summary>The 1, 5 and 15 minute load averages, which every benchmark prints beside its figures.</summary>
    public static string Read() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
