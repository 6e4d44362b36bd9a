using ImageSearch.Indexing.Embedding;

namespace ImageSearch.Tests.Embedding;

public sealed class ModelManifestTests : IDisposable
{
    private readonly string _models = Directory.CreateTempSubdirectory("imagesearch-models-").FullName;

    [Fact]
    public void The_shipped_ResNet18_manifest_describes_the_model()
    {
        var (manifest, folder) = ModelManifest.Find(Path.Combine(AppContext.BaseDirectory, "models"), "resnet18-imagenet");

        Assert.Equal(("3", "Input247", "ReLU393_Output_0", 512), (manifest.Version, manifest.Input.Name, manifest.Output.Name, manifest.Output.Dimensions));
        Assert.Equal("BGR", manifest.Input.ChannelOrder);
        Assert.Equal(new ModelDescriptor("whole", manifest.Descriptor!.Sizes, "rmac", 3, "whitening.bin"), manifest.Descriptor);
        Assert.Equal(new[] { 224, 320, 448 }, manifest.Descriptor.Sizes);
        Assert.True(File.Exists(Path.Combine(folder, manifest.Descriptor.Whitening!)), "the whitening ships beside the manifest");
        Assert.True(File.Exists(Path.Combine(folder, manifest.File)), "the build copies ResNet18.onnx next to the manifest");
        Assert.True(File.Exists(Path.Combine(folder, manifest.Input.MeanImageModel!)), "the build copies ResNetPreprocess.onnx next to the manifest");
    }

    [Fact]
    public void The_ResNet18_mean_is_a_per_pixel_image_close_to_the_channel_means()
    {
        var (manifest, folder) = ModelManifest.Find(Path.Combine(AppContext.BaseDirectory, "models"), "resnet18-imagenet");
        var normalizer = new ModelInputNormalizer(manifest.Input, folder);
        using var grey = new SkiaSharp.SKBitmap(new SkiaSharp.SKImageInfo(224, 224, SkiaSharp.SKColorType.Rgba8888, SkiaSharp.SKAlphaType.Premul));
        grey.Erase(new SkiaSharp.SKColor(128, 128, 128));
        var tensor = new float[normalizer.TensorLength];

        normalizer.Write(grey, tensor);

        Assert.True(normalizer.UsesMeanImage);
        var plane = 224 * 224;
        for (var channel = 0; channel < 3; channel++)
        {
            var values = tensor.AsSpan(channel * plane, plane).ToArray();
            // 128 minus the channel mean (B 103.06, G 115.90, R 123.15) on average, varying from pixel to pixel.
            Assert.Equal(128 - manifest.Input.Mean[channel], values.Average(), 0.1);
            Assert.True(values.Max() - values.Min() > 5, $"channel {channel} is flat");
        }
    }

    [Fact]
    public void An_unknown_model_id_names_the_models_found()
    {
        Write("a", """{"id":"alpha","version":"1","file":"a.onnx","input":{"name":"x","width":8,"height":8,"channelOrder":"RGB","pixelRange":1,"mean":[0,0,0],"scale":[1,1,1]},"output":{"name":"y","dimensions":4},"distance":"cosine"}""");

        var error = Assert.Throws<InvalidOperationException>(() => ModelManifest.Find(_models, "beta"));

        Assert.Contains("No model 'beta'", error.Message);
        Assert.Contains("alpha", error.Message);
    }

    [Theory]
    [InlineData("""{"id":"","version":"1","file":"a.onnx","input":{"name":"x","width":8,"height":8,"channelOrder":"RGB","pixelRange":1,"mean":[0,0,0],"scale":[1,1,1]},"output":{"name":"y","dimensions":4},"distance":"cosine"}""", "id, version and file")]
    [InlineData("""{"id":"a","version":"1","file":"a.onnx","input":{"name":"x","width":8,"height":8,"channelOrder":"RGBA","pixelRange":1,"mean":[0,0,0],"scale":[1,1,1]},"output":{"name":"y","dimensions":4},"distance":"cosine"}""", "channelOrder")]
    [InlineData("""{"id":"a","version":"1","file":"a.onnx","input":{"name":"x","width":8,"height":8,"channelOrder":"RGB","pixelRange":1,"mean":[0,0],"scale":[1,1,1]},"output":{"name":"y","dimensions":4},"distance":"cosine"}""", "one value per channel")]
    [InlineData("""{"id":"a","version":"1","file":"a.onnx","input":{"name":"x","width":8,"height":8,"channelOrder":"RGB","pixelRange":1,"mean":[0,0,0],"scale":[1,1,1]},"output":{"name":"y","dimensions":4},"distance":"euclid"}""", "cosine")]
    public void An_invalid_manifest_is_refused_with_the_reason(string json, string reason)
    {
        var path = Write("bad", json);

        var error = Assert.Throws<InvalidOperationException>(() => ModelManifest.Read(path));

        Assert.Contains(reason, error.Message);
    }

    private string Write(string folder, string json)
    {
        var path = Path.Combine(_models, folder, ModelManifest.FileName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json);
        return path;
    }

    public void Dispose() => Directory.Delete(_models, recursive: true);
}
