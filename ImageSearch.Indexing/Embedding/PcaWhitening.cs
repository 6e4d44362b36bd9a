using System.Buffers.Binary;
using System.Numerics.Tensors;

namespace ImageSearch.Indexing.Embedding;

/// <summary>
/// PCA whitening learned offline (<c>ImageSearch.Benchmarks -- learn-whitening</c>): <c>y = P (x − μ)</c>, then L2
/// normalisation. P's rows are the leading eigenvectors of the descriptors' covariance divided by the square root of
/// their (shrunk) eigenvalues, so dimensions that vary a lot in any photo stop dominating the cosine.
/// File: "PCAW", int32 input and output dimensions, μ (input floats), P (output × input floats), little-endian.
/// </summary>
public sealed class PcaWhitening
{
    private static ReadOnlySpan<byte> Magic => "PCAW"u8;

    public PcaWhitening(float[] mean, float[] projection, int outputDimensions)
    {
        if (projection.Length != mean.Length * outputDimensions)
        {
            throw new ArgumentException($"The projection has {projection.Length} values, not {mean.Length} × {outputDimensions}.", nameof(projection));
        }

        Mean = mean;
        Projection = projection;
        OutputDimensions = outputDimensions;
    }

    public float[] Mean { get; }

    /// <summary>Row-major, <see cref="OutputDimensions"/> rows of <see cref="InputDimensions"/>.</summary>
    public float[] Projection { get; }

    public int InputDimensions => Mean.Length;

    public int OutputDimensions { get; }

    /// <summary>The whitened, unit-length vector.</summary>
    public float[] Apply(ReadOnlySpan<float> vector)
    {
        Span<float> centred = stackalloc float[InputDimensions];
        TensorPrimitives.Subtract(vector, Mean, centred);
        var output = new float[OutputDimensions];
        for (var row = 0; row < OutputDimensions; row++)
        {
            output[row] = TensorPrimitives.Dot(Projection.AsSpan(row * InputDimensions, InputDimensions), centred);
        }

        var norm = TensorPrimitives.Norm(output);
        if (norm > 0)
        {
            TensorPrimitives.Divide(output, norm, output);
        }

        return output;
    }

    public static PcaWhitening Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 12 || !bytes.AsSpan(0, 4).SequenceEqual(Magic))
        {
            throw new InvalidOperationException($"'{path}' is not a whitening file (it does not start with PCAW).");
        }

        var input = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4));
        var output = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        if (input <= 0 || output <= 0 || output > input || bytes.Length != 12 + 4L * input * (output + 1))
        {
            throw new InvalidOperationException($"The whitening file '{path}' is truncated or its dimensions ({input} → {output}) are wrong.");
        }

        var floats = new float[input * (output + 1)];
        for (var i = 0; i < floats.Length; i++)
        {
            floats[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(12 + 4 * i));
        }

        return new PcaWhitening(floats[..input], floats[input..], output);
    }

    public void Write(string path)
    {
        using var file = File.Create(path);
        Span<byte> header = stackalloc byte[12];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], InputDimensions);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], OutputDimensions);
        file.Write(header);
        Span<byte> value = stackalloc byte[4];
        foreach (var number in Mean.Concat(Projection))
        {
            BinaryPrimitives.WriteSingleLittleEndian(value, number);
            file.Write(value);
        }
    }
}
