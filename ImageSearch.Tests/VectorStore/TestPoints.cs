using ImageSearch.Indexing.VectorStore;

namespace ImageSearch.Tests.VectorStore;

/// <summary>Deterministic unit vectors and points for store tests (real embeddings are the embedder's tests).</summary>
internal static class TestPoints
{
    public const int Dimensions = 64;
    public const string Model = "test-model@1";

    public static float[] UnitVector(int seed, int dimensions = Dimensions)
    {
        var random = new Random(seed);
        var vector = new float[dimensions];
        for (var i = 0; i < dimensions; i++)
        {
            // Box-Muller: normal components give directions spread evenly over the sphere.
            vector[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }

        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        return vector.Select(v => v / norm).ToArray();
    }

    public static VectorPoint Point(
        string productId, float[] vector, string model = Model, IReadOnlyDictionary<string, string>? metadata = null, string? name = null) =>
        new(productId, vector, new ProductPayload(
            productId,
            name ?? $"Product {productId}",
            $"Description of {productId}",
            $"images/{productId}.jpg",
            metadata ?? new Dictionary<string, string>(),
            model,
            new DateTimeOffset(2026, 11, 30, 1, 2, 3, TimeSpan.Zero)));

    /// <summary>Points <c>p000</c>, <c>p001</c>… with vectors seeded by their number (plus <paramref name="seedOffset"/>).</summary>
    public static List<VectorPoint> Many(int count, int seedOffset = 0, string model = Model,
        Func<int, IReadOnlyDictionary<string, string>>? metadata = null) =>
        Enumerable.Range(0, count)
            .Select(i => Point($"p{i:D3}", UnitVector(seedOffset + i), model, metadata?.Invoke(i)))
            .ToList();

    public static float Dot(float[] a, float[] b) => a.Zip(b, (x, y) => x * y).Sum();

    /// <summary>What an exact search must return: the points best first by cosine (the vectors are unit length).</summary>
    public static List<(string ProductId, float Score)> Ranked(IEnumerable<VectorPoint> points, float[] query) =>
        points.Select(point => (point.ProductId, Score: Dot(point.Vector, query)))
            .OrderByDescending(hit => hit.Score)
            .ToList();
}
