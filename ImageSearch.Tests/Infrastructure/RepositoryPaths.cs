namespace ImageSearch.Tests.Infrastructure;

internal static class RepositoryPaths
{
    /// <summary>The folder holding ImageSearch.sln, found from the test binaries upwards.</summary>
    public static string Root { get; } = FindRoot();

    public static string AppHostProject => Path.Combine(Root, "ImageSearch.AppHost", "ImageSearch.AppHost.csproj");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ImageSearch.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("ImageSearch.sln not found above " + AppContext.BaseDirectory);
    }
}
