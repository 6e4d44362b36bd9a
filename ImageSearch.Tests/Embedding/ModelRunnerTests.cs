using ImageSearch.Indexing.Embedding;

namespace ImageSearch.Tests.Embedding;

/// <summary>The shipped ResNet18 graph as rewritten in memory at load: any batch, any picture size, the last conv map out.</summary>
public sealed class ModelRunnerTests
{
    [Fact]
    public void The_rewritten_graph_runs_batches_of_any_picture_size_and_outputs_the_512_channel_map()
    {
        var (manifest, folder) = ModelManifest.Find(Path.Combine(AppContext.BaseDirectory, "models"), "resnet18-imagenet");
        using var runner = new OnnxModelRunner(Path.Combine(folder, manifest.File), manifest, new EmbeddingOptions { IntraOpThreads = 1 });
        ModelInputTensor[] batch = [Tensor(320, 224, seed: 1), Tensor(320, 224, seed: 2)];

        var together = new float[2][];
        (int Height, int Width) mapSize = default;
        runner.Run(batch, (i, map, height, width) => (together[i], mapSize) = (map.ToArray(), (height, width)));
        var alone = batch.Select(tensor =>
        {
            float[] map = [];
            runner.Run([tensor], (_, output, _, _) => map = output.ToArray());
            return map;
        }).ToArray();

        Assert.False(runner.FixedInput);
        // 320 x 224 pixels halve five times: a 10 x 7 map of 512 channels.
        Assert.Equal((7, 10), mapSize);
        Assert.Equal(512 * 7 * 10, together[0].Length);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(alone[i].Length, together[i].Length);
            Assert.True(alone[i].Zip(together[i]).All(pair => Math.Abs(pair.First - pair.Second) < 1e-3f), $"image {i}: batched differs from alone");
        }

        Assert.NotEqual(together[0], together[1]);
    }

    [Fact]
    public void A_graph_without_the_named_tensor_is_refused_with_its_name()
    {
        var (manifest, folder) = ModelManifest.Find(Path.Combine(AppContext.BaseDirectory, "models"), "resnet18-imagenet");
        var model = File.ReadAllBytes(Path.Combine(folder, manifest.File));

        var error = Assert.Throws<InvalidOperationException>(() => OnnxGraphRewriter.Rewrite(model, manifest.Input.Name, "NoSuchTensor", 512));

        Assert.Contains("NoSuchTensor", error.Message);
    }

    private static ModelInputTensor Tensor(int width, int height, int seed)
    {
        var random = new Random(seed);
        var data = new float[3 * width * height];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)(random.NextDouble() * 255 - 115);
        }

        return new ModelInputTensor(data, width, height);
    }
}
