namespace ImageSearch.Indexing.Embedding;

/// <summary>Which model embeds images and how much CPU it may use. Bound from the <c>Embedding</c> section.</summary>
public sealed class EmbeddingOptions
{
    public const string SectionName = "Embedding";

    /// <summary>The <c>id</c> of the model manifest to load.</summary>
    public string ModelId { get; set; } = "resnet18-imagenet";

    /// <summary>The folder holding one sub-folder per model (manifest.json + ONNX file); relative to the application folder.</summary>
    public string ModelsPath { get; set; } = "models";

    /// <summary>Threads ONNX Runtime uses inside one inference; 0 lets it use one per core.</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>Images decoded at the same time by EmbedBatchAsync while inference runs; 0 means one per core.</summary>
    public int DecodeParallelism { get; set; }
}
