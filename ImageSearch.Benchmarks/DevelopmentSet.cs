namespace ImageSearch.Benchmarks;

/// <summary>
/// A retrieval evaluation set under test-data/: &lt;name&gt;/pairs (each line of pairs.txt names two or more different
/// photos of one subject), &lt;name&gt;/distractors and photos/. Image paths are relative to <see cref="Root"/>.
/// </summary>
internal sealed record DevelopmentSet(string Root, IReadOnlyList<string> Images, IReadOnlyList<int[]> Groups)
{
    /// <summary>Every photo of a group is a query; the other photos of its group are what it should find.</summary>
    public IReadOnlyList<(int Image, int[] Relevant)> Queries =>
        Groups.SelectMany(group => group.Select(image => (image, group.Where(other => other != image).ToArray()))).ToList();

    public int Distractors => Images.Count - Groups.Sum(group => group.Length);

    public static bool TryLoad(string testData, out DevelopmentSet set, out string? problem, string name = "retrieval")
    {
        set = null!;
        var pairsFile = Path.Combine(testData, name, "pairs.txt");
        if (!File.Exists(pairsFile) || !Directory.Exists(Path.Combine(testData, "photos")))
        {
            problem = $"No development set under {testData}: run .ci/fetch-test-photos (or pass --data DIR).";
            return false;
        }

        var images = new List<string>();
        var groups = new List<int[]>();
        foreach (var line in File.ReadLines(pairsFile).Where(line => line.Length > 0))
        {
            var names = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            groups.Add(Enumerable.Range(images.Count, names.Length).ToArray());
            images.AddRange(names.Select(photo => $"{name}/pairs/{photo}"));
        }

        images.AddRange(Directory.GetFiles(Path.Combine(testData, name, "distractors")).Order(StringComparer.Ordinal)
            .Select(path => $"{name}/distractors/{Path.GetFileName(path)}"));
        images.AddRange(Directory.GetFiles(Path.Combine(testData, "photos"), "*.jpg").Order(StringComparer.Ordinal)
            .Select(path => $"photos/{Path.GetFileName(path)}"));
        set = new DevelopmentSet(testData, images, groups);
        problem = null;
        return true;
    }
}
