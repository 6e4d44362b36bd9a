namespace ImageSearch.Benchmarks;

/// <summary>
/// The retrieval development set under test-data/: retrieval/pairs (pairs.txt names each pair of different photos of
/// one subject), retrieval/distractors and photos/. Image paths are relative to <see cref="Root"/>.
/// </summary>
internal sealed record DevelopmentSet(string Root, IReadOnlyList<string> Images, IReadOnlyList<(int A, int B)> Pairs)
{
    /// <summary>Every photo of a pair is a query; its partner is what it should find.</summary>
    public IReadOnlyList<(int Image, int[] Relevant)> Queries =>
        Pairs.SelectMany(pair => new[] { (pair.A, new[] { pair.B }), (pair.B, new[] { pair.A }) }).ToList();

    public static bool TryLoad(string testData, out DevelopmentSet set, out string? problem)
    {
        set = null!;
        var pairsFile = Path.Combine(testData, "retrieval", "pairs.txt");
        if (!File.Exists(pairsFile) || !Directory.Exists(Path.Combine(testData, "photos")))
        {
            problem = $"No development set under {testData}: run .ci/fetch-test-photos (or pass --data DIR).";
            return false;
        }

        var images = new List<string>();
        var pairs = new List<(int, int)>();
        foreach (var line in File.ReadLines(pairsFile).Where(line => line.Length > 0))
        {
            var names = line.Split(' ');
            images.Add($"retrieval/pairs/{names[0]}");
            images.Add($"retrieval/pairs/{names[1]}");
            pairs.Add((images.Count - 2, images.Count - 1));
        }

        images.AddRange(Directory.GetFiles(Path.Combine(testData, "retrieval", "distractors")).Order(StringComparer.Ordinal)
            .Select(path => $"retrieval/distractors/{Path.GetFileName(path)}"));
        images.AddRange(Directory.GetFiles(Path.Combine(testData, "photos"), "*.jpg").Order(StringComparer.Ordinal)
            .Select(path => $"photos/{Path.GetFileName(path)}"));
        set = new DevelopmentSet(testData, images, pairs);
        problem = null;
        return true;
    }
}
