namespace ImageSearch.Indexing.Embedding;

/// <summary>Which model embeds images and how much CPU it may use. Bound from the <c>Embedding</c> section.</summary>
public sealed class EmbeddingOptions
{
    public const string SectionName = "Embedding";

    /// <summary>The <c>id</c> of the model manifest to load.</summary>
    public string ModelId { get; set; } = "resnet18-imagenet";

    /// <summary>The folder holding one sub-folder per model (manifest.json + ONNX file); relative to the application folder.</summary>
    public string ModelsPath { get; set; } = "models";

    /// <summary>
    /// Processes on this host that embed images at the same time (the AppHost passes its worker replica count). The
    /// thread defaults divide the cores between them, so together they use every core once instead of fighting over them.
    /// </summary>
    public int HostReplicas { get; set; } = 1;

    /// <summary>Threads ONNX Runtime uses inside one inference; 0: the cores divided by <see cref="HostReplicas"/>.</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>Images decoded at the same time by a batch; 0: the cores divided by <see cref="HostReplicas"/>.</summary>
    public int DecodeParallelism { get; set; }

    /// <summary>
    /// Whether ONNX Runtime keeps freed buffers in its arena for the next inference. Off by default: inputs differ in
    /// size from image to image, so the arena grows to the largest and stays there, for no measurable speed.
    /// </summary>
    public bool CpuMemoryArena { get; set; }

    /// <summary>Cores each of the host's embedding processes may count on.</summary>
    public int CoresPerReplica => Math.Max(1, Environment.ProcessorCount / Math.Max(1, HostReplicas));
}
