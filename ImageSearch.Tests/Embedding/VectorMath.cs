using System.Numerics.Tensors;

namespace ImageSearch.Tests.Embedding;

internal static class VectorMath
{
    /// <summary>The cosine similarity, computed independently of the embedder's normalisation.</summary>
    public static float Cosine(float[] a, float[] b) => TensorPrimitives.CosineSimilarity(a, b);
}
