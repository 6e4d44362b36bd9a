using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImageSearch.Indexing.Embedding;

/// <summary>
/// Describes an ONNX image model: <c>models/&lt;folder&gt;/manifest.json</c> next to the model file. Adding a model
/// means adding a folder; see models/README.md.
/// </summary>
public sealed record ModelManifest(
    string Id,
    string Version,
    string File,
    ModelInput Input,
    ModelOutput Output,
    string Distance,
    ModelDescriptor? Descriptor = null)
{
    public const string FileName = "manifest.json";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        ReadCommentHandling = JsonCommentHandling.Skip
    };

    /// <summary>The manifest with the given id among the sub-folders of <paramref name="modelsPath"/>, and its folder.</summary>
    public static (ModelManifest Manifest, string Folder) Find(string modelsPath, string modelId)
    {
        if (!Directory.Exists(modelsPath))
        {
            throw new InvalidOperationException($"The models folder '{modelsPath}' does not exist (Embedding:ModelsPath).");
        }

        var found = new List<string>();
        foreach (var path in Directory.EnumerateFiles(modelsPath, FileName, SearchOption.AllDirectories))
        {
            var manifest = Read(path);
            found.Add(manifest.Id);
            if (manifest.Id == modelId)
            {
                return (manifest, Path.GetDirectoryName(path)!);
            }
        }

        throw new InvalidOperationException(
            $"No model '{modelId}' in '{modelsPath}' (Embedding:ModelId); found: {(found.Count == 0 ? "none" : string.Join(", ", found))}.");
    }

    public static ModelManifest Read(string path)
    {
        var manifest = JsonSerializer.Deserialize<ModelManifest>(System.IO.File.ReadAllText(path), JsonOptions)
            ?? throw new InvalidOperationException($"The model manifest '{path}' is empty.");
        manifest.Validate(path);
        return manifest;
    }

    private void Validate(string path)
    {
        string? problem = null;
        if (string.IsNullOrWhiteSpace(Id) || string.IsNullOrWhiteSpace(Version) || string.IsNullOrWhiteSpace(File))
        {
            problem = "id, version and file are required";
        }
        else if (Input is null || Output is null)
        {
            problem = "input and output are required";
        }
        else if (Input.Width <= 0 || Input.Height <= 0 || Output.Dimensions <= 0)
        {
            problem = "input width/height and output dimensions must be positive";
        }
        else if (Input.ChannelOrder is not ("RGB" or "BGR"))
        {
            problem = "input.channelOrder must be RGB or BGR";
        }
        else if (Input.Mean is not { Length: 3 } || Input.Scale is not { Length: 3 })
        {
            problem = "input.mean and input.scale need one value per channel (3)";
        }
        else if (!string.Equals(Distance, "cosine", StringComparison.OrdinalIgnoreCase))
        {
            problem = "only the cosine distance is supported (vectors are L2-normalised)";
        }
        else if (Descriptor?.Problem() is { } descriptorProblem)
        {
            problem = descriptorProblem;
        }

        if (problem is not null)
        {
            throw new InvalidOperationException($"The model manifest '{path}' is invalid: {problem}.");
        }
    }
}

/// <summary>
/// The model's input tensor, NCHW float: <c>value = (pixel × pixelRange / 255 − mean) × scale</c> per channel, in
/// <see cref="ChannelOrder"/>. With <see cref="MeanImageModel"/>, the mean is per pixel: the negated output of that
/// ONNX model on an all-zero input (how the CNTK-trained ResNets were normalised).
/// </summary>
public sealed record ModelInput(
    string Name,
    int Width,
    int Height,
    string ChannelOrder,
    float PixelRange,
    float[] Mean,
    float[] Scale,
    string? MeanImageModel = null);

/// <summary>
/// The output tensor and its size per image: a vector of <paramref name="Dimensions"/> values, or, with a
/// <see cref="ModelDescriptor"/>, a feature map of <paramref name="Dimensions"/> channels.
/// </summary>
public sealed record ModelOutput(string Name, int Dimensions);

/// <summary>
/// Turns the output, a convolutional feature map <c>[N, channels, h, w]</c>, into one vector per image. The graph is
/// rewritten when loaded (<see cref="OnnxGraphRewriter"/>) so that the map is its output and the input size is free.
/// </summary>
/// <param name="Fit">
/// <c>whole</c>: the whole picture, aspect kept, its longer side scaled to each of <paramref name="Sizes"/>;
/// <c>crop</c>: the input's width × height centre crop (one scale).
/// </param>
/// <param name="Sizes">Longer side, in pixels, of each scale the network sees; the scales' descriptors are summed.</param>
/// <param name="Pooling"><c>gem</c> (generalised mean, <paramref name="Power"/>), <c>rmac</c> (regional maximum
/// activations) or <c>average</c>.</param>
/// <param name="Whitening">A file beside the manifest (see <see cref="PcaWhitening"/>) applied to the pooled vector.</param>
public sealed record ModelDescriptor(
    string Fit = "whole",
    int[]? Sizes = null,
    string Pooling = "gem",
    float Power = 3,
    string? Whitening = null)
{
    internal string? Problem() => (Fit, Pooling) switch
    {
        (not ("whole" or "crop"), _) => "descriptor.fit must be whole or crop",
        (_, not ("gem" or "rmac" or "average")) => "descriptor.pooling must be gem, rmac or average",
        ("whole", _) when Sizes is not { Length: > 0 } || Sizes.Any(size => size is < 32 or > 2048) =>
            "descriptor.sizes needs one or more sizes between 32 and 2048",
        (_, "gem") when Power is < 1 or > 16 => "descriptor.power must be between 1 and 16",
        _ => null
    };
}
