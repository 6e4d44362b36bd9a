namespace ImageSearch.Indexing.Embedding;

/// <summary>
/// Identifies the model that produced a vector. Stored with every vector, so vectors of two models are
/// never compared and a model change is detectable.
/// </summary>
public sealed record EmbeddingModelInfo(string Id, string Version, int Dimensions)
{
    /// <summary>The value stored with each vector, e.g. <c>resnet18-imagenet@1</c>.</summary>
    public string Key => $"{Id}@{Version}";
}
