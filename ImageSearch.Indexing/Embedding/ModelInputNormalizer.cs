using Microsoft.ML.OnnxRuntime;
using SkiaSharp;

namespace ImageSearch.Indexing.Embedding;

/// <summary>Writes an RGBA picture into the model's NCHW float tensor, normalised as the manifest says.</summary>
public sealed class ModelInputNormalizer
{
    private readonly int _width;
    private readonly int _height;
    private readonly int[] _sourceChannel;   // for each tensor channel, its byte offset in an RGBA pixel
    private readonly float _pixelFactor;
    private readonly float[] _channelMean;
    private readonly float[]? _meanImage;    // per tensor element at the manifest's input size, when the model has one
    private readonly float[] _scale;

    public ModelInputNormalizer(ModelInput input, string modelFolder)
    {
        _width = input.Width;
        _height = input.Height;
        _sourceChannel = input.ChannelOrder == "BGR" ? [2, 1, 0] : [0, 1, 2];
        _pixelFactor = input.PixelRange / 255f;
        _scale = input.Scale;
        _channelMean = input.Mean;
        _meanImage = input.MeanImageModel is { } meanModel
            ? ComputeMeanImage(Path.Combine(modelFolder, meanModel), input)
            : null;
    }

    /// <summary>Floats of one image at the manifest's input size.</summary>
    public int TensorLength => 3 * _width * _height;

    /// <summary>True when the mean is a per-pixel image rather than one value per channel.</summary>
    public bool UsesMeanImage => _meanImage is not null;

    /// <summary>
    /// Writes an RGBA picture into an NCHW tensor of its own size. The per-pixel mean image applies to pictures of the
    /// size it was made for; other sizes (whole pictures at several scales) get the per-channel means.
    /// </summary>
    public void Write(SKBitmap picture, Span<float> tensor)
    {
        var plane = picture.Width * picture.Height;
        if (picture.ColorType != SKColorType.Rgba8888 || tensor.Length < 3 * plane)
        {
            throw new ArgumentException("Expected an RGBA picture and a tensor of its size.", nameof(picture));
        }

        var meanImage = picture.Width == _width && picture.Height == _height ? _meanImage : null;
        var pixels = picture.GetPixelSpan();
        for (var channel = 0; channel < 3; channel++)
        {
            var offset = _sourceChannel[channel];
            var scale = _scale[channel];
            var output = tensor.Slice(channel * plane, plane);
            if (meanImage is not null)
            {
                var mean = meanImage.AsSpan(channel * plane, plane);
                for (var i = 0; i < plane; i++)
                {
                    output[i] = (pixels[i * 4 + offset] * _pixelFactor - mean[i]) * scale;
                }
            }
            else
            {
                var mean = _channelMean[channel];
                for (var i = 0; i < plane; i++)
                {
                    output[i] = (pixels[i * 4 + offset] * _pixelFactor - mean) * scale;
                }
            }
        }
    }

    /// <summary>The mean image is what the preprocessing model subtracts from a zero input, negated.</summary>
    private static float[] ComputeMeanImage(string meanModelPath, ModelInput input)
    {
        if (!File.Exists(meanModelPath))
        {
            throw new InvalidOperationException($"The mean image model '{meanModelPath}' named in the manifest does not exist.");
        }

        using var session = new InferenceSession(meanModelPath);
        var inputName = session.InputMetadata.Keys.Single();
        long[] shape = [1, 3, input.Height, input.Width];
        var zeros = new float[3 * input.Width * input.Height];
        using var value = OrtValue.CreateTensorValueFromMemory(zeros, shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [inputName], [value], session.OutputNames);
        var output = results[0].GetTensorDataAsSpan<float>();
        if (output.Length != zeros.Length)
        {
            throw new InvalidOperationException($"The mean image model '{meanModelPath}' returned {output.Length} values, not {zeros.Length}.");
        }

        var mean = new float[output.Length];
        for (var i = 0; i < mean.Length; i++)
        {
            mean[i] = -output[i];
        }

        return mean;
    }
}
