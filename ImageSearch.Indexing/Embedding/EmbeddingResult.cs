namespace ImageSearch.Indexing.Embedding;

/// <summary>One image's vector, or the reason it has none.</summary>
public sealed record EmbeddingResult(float[]? Vector, Exception? Error)
{
    public bool Succeeded => Vector is not null;
}
