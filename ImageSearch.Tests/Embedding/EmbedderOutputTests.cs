using System.Numerics.Tensors;
using ImageSearch.Indexing.Embedding;
using ImageSearch.Indexing.Imaging;
using ImageSearch.Tests.Imaging;
using SkiaSharp;

namespace ImageSearch.Tests.Embedding;

[Collection(EmbedderCollection.Name)]
public sealed class EmbedderOutputTests(EmbedderFixture fixture)
{
    [Fact]
    public void The_model_is_identified_for_storage_with_each_vector()
    {
        Assert.Equal(new EmbeddingModelInfo("resnet18-imagenet", "3", 512), fixture.Embedder.Model);
        Assert.Equal("resnet18-imagenet@3", fixture.Embedder.Model.Key);
    }

    [Fact]
    public async Task A_vector_has_512_dimensions_unit_length_and_is_the_same_every_time()
    {
        using var scene = TestImages.Scene(640, 480);
        var jpeg = TestImages.Encode(scene, SKEncodedImageFormat.Jpeg);

        var first = await fixture.Embedder.EmbedAsync(new ImageSource.Bytes(jpeg), TestContext.Current.CancellationToken);
        var second = await fixture.Embedder.EmbedAsync(new ImageSource.Bytes(jpeg), TestContext.Current.CancellationToken);

        Assert.Equal(512, first.Length);
        Assert.Equal(1f, TensorPrimitives.Norm(first), 1e-4f);
        Assert.All(first, value => Assert.True(float.IsFinite(value)));
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task A_file_source_and_the_same_bytes_give_the_same_vector()
    {
        using var scene = TestImages.Scene(500, 400, seed: 2);
        var png = TestImages.Encode(scene, SKEncodedImageFormat.Png);
        var file = fixture.WriteFile("products/scene.png", png);

        var fromFile = await fixture.Embedder.EmbedAsync(file, TestContext.Current.CancellationToken);
        var fromBytes = await fixture.Embedder.EmbedAsync(new ImageSource.Bytes(png), TestContext.Current.CancellationToken);

        Assert.Equal(fromBytes, fromFile);
    }

    [Fact]
    public async Task Different_pictures_give_different_vectors()
    {
        using var one = TestImages.Scene(400, 400, seed: 3);
        using var other = TestImages.Quadrants(400);

        var a = await fixture.Embedder.EmbedAsync(new ImageSource.Bytes(TestImages.Encode(one, SKEncodedImageFormat.Png)), TestContext.Current.CancellationToken);
        var b = await fixture.Embedder.EmbedAsync(new ImageSource.Bytes(TestImages.Encode(other, SKEncodedImageFormat.Png)), TestContext.Current.CancellationToken);

        Assert.True(VectorMath.Cosine(a, b) < 0.9f, $"cosine {VectorMath.Cosine(a, b)}");
    }

    [Fact]
    public async Task A_batch_returns_one_result_per_image_in_order_and_bad_images_do_not_fail_the_rest()
    {
        using var sceneA = TestImages.Scene(300, 300, seed: 4);
        using var sceneB = TestImages.Scene(300, 300, seed: 5);
        var a = TestImages.Encode(sceneA, SKEncodedImageFormat.Jpeg);
        var b = TestImages.Encode(sceneB, SKEncodedImageFormat.Png);
        ImageSource[] sources =
        [
            new ImageSource.Bytes(a),
            new ImageSource.File("missing/nothing.jpg"),
            new ImageSource.Bytes(b),
            new ImageSource.Bytes("not an image"u8.ToArray()),
            new ImageSource.File("../outside.jpg"),
            new ImageSource.Bytes(a)
        ];

        var results = await fixture.Embedder.EmbedBatchAsync(sources, TestContext.Current.CancellationToken);

        Assert.Equal(sources.Length, results.Count);
        Assert.Equal(await fixture.Embedder.EmbedAsync(sources[0], TestContext.Current.CancellationToken), results[0].Vector);
        Assert.Equal(await fixture.Embedder.EmbedAsync(sources[2], TestContext.Current.CancellationToken), results[2].Vector);
        Assert.Equal(results[0].Vector, results[5].Vector);
        Assert.Equal(ImageErrorKind.NotFound, Assert.IsType<ImageLoadException>(results[1].Error).Kind);
        Assert.Equal(ImageErrorKind.NotAnImage, Assert.IsType<ImageLoadException>(results[3].Error).Kind);
        Assert.Equal(ImageErrorKind.OutsideRoot, Assert.IsType<ImageLoadException>(results[4].Error).Kind);
        Assert.All(new[] { 1, 3, 4 }, i => Assert.Null(results[i].Vector));
    }

    [Fact]
    public async Task An_empty_batch_gives_no_results()
    {
        Assert.Empty(await fixture.Embedder.EmbedBatchAsync([], TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_cancelled_batch_stops_with_cancellation()
    {
        using var scene = TestImages.Scene(300, 300);
        var jpeg = new ImageSource.Bytes(TestImages.Encode(scene, SKEncodedImageFormat.Jpeg));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => fixture.Embedder.EmbedBatchAsync(Enumerable.Repeat<ImageSource>(jpeg, 20).ToList(), cancelled.Token));
    }
}
