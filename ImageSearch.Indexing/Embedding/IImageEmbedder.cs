using ImageSearch.Indexing.Imaging;

namespace ImageSearch.Indexing.Embedding;

/// <summary>Turns images into unit-length vectors with one model.</summary>
public interface IImageEmbedder
{
    EmbeddingModelInfo Model { get; }

    /// <summary>The load and decode steps, for callers that run them apart from the model (the worker does).</summary>
    ImagePreparer Preparer { get; }

    /// <summary>Images a batch decodes at the same time (<see cref="EmbeddingOptions.DecodeParallelism"/>).</summary>
    int DecodeParallelism { get; }

    /// <summary>Embeds one image. Throws <see cref="ImageLoadException"/> when it cannot be loaded.</summary>
    Task<float[]> EmbedAsync(ImageSource source, CancellationToken cancellationToken = default);

    /// <summary>The embed step: runs the model on an image the <see cref="Preparer"/> decoded and returns its unit vector.</summary>
    float[] Embed(PreparedImage image);

    /// <summary>
    /// Embeds many images, decoding in parallel with inference. One bad image does not fail the others:
    /// each result holds a vector or the error for that image, in input order.
    /// </summary>
    Task<IReadOnlyList<EmbeddingResult>> EmbedBatchAsync(IReadOnlyList<ImageSource> sources, CancellationToken cancellationToken = default);
}
