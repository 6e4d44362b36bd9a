using ImageSearch.Indexing.Imaging;
using ImageSearch.Tests.Imaging;
using ImageSearch.Tests.Infrastructure;
using SkiaSharp;

namespace ImageSearch.Tests.Embedding;

/// <summary>The same picture embeds the same way whatever its format or stored orientation.</summary>
[Collection(EmbedderCollection.Name)]
public sealed class FormatEquivalenceTests(EmbedderFixture fixture)
{
    [Fact]
    public async Task The_same_photo_as_JPEG_PNG_and_WebP_gives_near_identical_vectors()
    {
        using var photo = TestImages.Decode(File.ReadAllBytes(TestPhotos.All()[0]));
        var png = await Embed(TestImages.Encode(photo, SKEncodedImageFormat.Png));
        var jpeg = await Embed(TestImages.Encode(photo, SKEncodedImageFormat.Jpeg, 92));
        var webp = await Embed(TestImages.Encode(photo, SKEncodedImageFormat.Webp, 92));
        var losslessWebp = await Embed(TestImages.Encode(photo, SKEncodedImageFormat.Webp, 100));

        Assert.True(VectorMath.Cosine(png, jpeg) > 0.97f, $"PNG vs JPEG {VectorMath.Cosine(png, jpeg)}");
        Assert.True(VectorMath.Cosine(png, webp) > 0.97f, $"PNG vs WebP {VectorMath.Cosine(png, webp)}");
        Assert.True(VectorMath.Cosine(png, losslessWebp) > 0.99f, $"PNG vs lossless WebP {VectorMath.Cosine(png, losslessWebp)}");
    }

    [Fact]
    public async Task GIF_and_BMP_decode_to_the_same_picture_as_PNG()
    {
        // GIF has 256 colours, so compare with the PNG of the same 3-3-2 palette picture.
        using var scene = TestImages.Scene(320, 240, seed: 7);
        var gif = TestImages.EncodeGif(scene);
        using var paletted = TestImages.Decode(gif);

        var fromGif = await Embed(gif);
        var fromPalettedPng = await Embed(TestImages.Encode(paletted, SKEncodedImageFormat.Png));
        var fromBmp = await Embed(TestImages.EncodeBmp(scene));
        var fromPng = await Embed(TestImages.Encode(scene, SKEncodedImageFormat.Png));

        Assert.Equal(fromPalettedPng, fromGif);
        Assert.Equal(fromPng, fromBmp);
    }

    [Fact]
    public async Task An_EXIF_rotated_photo_matches_the_upright_one()
    {
        using var upright = TestImages.Decode(File.ReadAllBytes(TestPhotos.All().First(path => path.EndsWith("Garden.jpg", StringComparison.Ordinal))));
        using var stored = TestImages.RotatedCounterClockwise(upright);
        var storedJpeg = TestImages.Encode(stored, SKEncodedImageFormat.Jpeg, 95);

        var uprightVector = await Embed(TestImages.Encode(upright, SKEncodedImageFormat.Jpeg, 95));
        var tagged = await Embed(TestImages.WithExifOrientation(storedJpeg, SKEncodedOrigin.RightTop));
        var untagged = await Embed(storedJpeg);

        Assert.True(VectorMath.Cosine(uprightVector, tagged) > 0.98f, $"tagged {VectorMath.Cosine(uprightVector, tagged)}");
        // Without the tag the same pixels are sideways: the orientation is what made them match.
        Assert.True(VectorMath.Cosine(uprightVector, untagged) < VectorMath.Cosine(uprightVector, tagged) - 0.05f,
            $"untagged {VectorMath.Cosine(uprightVector, untagged)}, tagged {VectorMath.Cosine(uprightVector, tagged)}");
    }

    private Task<float[]> Embed(byte[] encoded) =>
        fixture.Embedder.EmbedAsync(new ImageSource.Bytes(encoded), TestContext.Current.CancellationToken);
}
