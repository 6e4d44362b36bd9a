using System.Buffers;

namespace ImageSearch.Indexing.Embedding;

/// <summary>One normalised NCHW input of one image at one scale; its floats are rented and go back when the image is disposed.</summary>
public readonly record struct ModelInputTensor(float[] Data, int Width, int Height)
{
    public int Length => 3 * Width * Height;
}

/// <summary>An image decoded and turned into the model's input, one tensor per scale: the "decode" step's result.</summary>
public sealed class PreparedImage(IReadOnlyList<ModelInputTensor> scales) : IDisposable
{
    public IReadOnlyList<ModelInputTensor> Scales { get; } = scales;

    public void Dispose()
    {
        foreach (var scale in Scales)
        {
            ArrayPool<float>.Shared.Return(scale.Data);
        }
    }
}
