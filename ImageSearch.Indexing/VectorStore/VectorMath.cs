using System.Numerics.Tensors;

namespace ImageSearch.Indexing.VectorStore;

internal static class VectorMath
{
    /// <summary>A unit-length copy: with unit vectors cosine similarity is a plain dot product.</summary>
    public static float[] Normalized(float[] vector)
    {
        var normalized = new float[vector.Length];
        TensorPrimitives.Divide(vector, TensorPrimitives.Norm(vector), normalized);
        return normalized;
    }
}
