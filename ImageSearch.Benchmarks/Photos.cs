namespace ImageSearch.Benchmarks;

/// <summary>The real photos benchmarks send: <c>--photos DIR</c>, else the checkout's test-data/photos (.ci/fetch-test-photos).</summary>
internal static class Photos
{
    public static string? Find(BenchmarkArguments arguments)
    {
        var directory = arguments.Get("--photos") ?? DefaultDirectory();
        if (directory is null || !Directory.Exists(directory) || Names(directory).Count == 0)
        {
            Console.Error.WriteLine("No photos: run .ci/fetch-test-photos, or pass --photos DIR with JPEG files.");
            return null;
        }

        return Path.GetFullPath(directory);
    }

    /// <summary>The JPEG files' names, relative to the folder (which becomes the services' image root), in a fixed order.</summary>
    public static IReadOnlyList<string> Names(string directory) =>
        Directory.GetFiles(directory, "*.jpg").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList()!;

    public static string Describe(string directory)
    {
        var files = Directory.GetFiles(directory, "*.jpg");
        return $"{files.Length} photos, {files.Sum(file => new FileInfo(file).Length) / 1e6:0.0} MB, in {directory}";
    }

    private static string? DefaultDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ImageSearch.sln")))
            {
                return Path.Combine(directory.FullName, "test-data", "photos");
            }
        }

        return null;
    }
}
