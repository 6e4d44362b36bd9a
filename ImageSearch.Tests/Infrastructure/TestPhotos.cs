namespace ImageSearch.Tests.Infrastructure;

/// <summary>Real photographs fetched by <c>.ci/fetch-test-photos</c> into test-data/photos (git-ignored).</summary>
internal static class TestPhotos
{
    public static string Folder => Path.Combine(RepositoryPaths.Root, "test-data", "photos");

    /// <summary>The photos, sorted by name; skips the calling test when they have not been fetched.</summary>
    public static IReadOnlyList<string> All()
    {
        var photos = Directory.Exists(Folder)
            ? Directory.GetFiles(Folder, "*.jpg").Order(StringComparer.Ordinal).ToList()
            : [];
        if (photos.Count == 0)
        {
            Assert.Skip("No test photos in test-data/photos: run .ci/fetch-test-photos");
        }

        return photos;
    }
}
