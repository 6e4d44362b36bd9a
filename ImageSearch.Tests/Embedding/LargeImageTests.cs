using System.Numerics.Tensors;
using ImageSearch.Indexing.Imaging;
using SkiaSharp;

namespace ImageSearch.Tests.Embedding;

[Collection(EmbedderCollection.Name)]
public sealed class LargeImageTests(EmbedderFixture fixture)
{
    private const int Side = 10_000;

    [Fact]
    public async Task A_10000_by_10000_JPEG_is_embedded_with_bounded_memory()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("Measures the peak resident set through /proc/self, which only Linux has.");
        }

        var source = fixture.WriteFile("large/10000x10000.jpg", LargeJpeg());
        // 100 MP is over the default pixel cap (40 MP): allow it here, to measure a JPEG that large decoded downscaled.
        await using var services = EmbedderFixture.CreateServices(fixture.ImageRoot,
            new Dictionary<string, string?> { ["ImageLoader:MaxPixels"] = "100000000" });
        var embedder = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<ImageSearch.Indexing.Embedding.IImageEmbedder>(services);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = ResidentKilobytes("VmRSS");
        // Writing 5 resets the peak resident set (VmHWM) to the current one, so the peak below is the embed's alone.
        await File.WriteAllTextAsync("/proc/self/clear_refs", "5", TestContext.Current.CancellationToken);

        var vector = await embedder.EmbedAsync(source, TestContext.Current.CancellationToken);

        var growthMb = (ResidentKilobytes("VmHWM") - before) / 1024.0;
        Assert.Equal(1f, TensorPrimitives.Norm(vector), 1e-4f);
        // Decoded at full size it would take 400 MB for the pixels alone; downscaled by the codec it takes a few.
        Assert.True(growthMb < 500, $"the peak resident set grew by {growthMb:0} MB");
        TestContext.Current.TestOutputHelper?.WriteLine($"peak resident set growth while embedding: {growthMb:0} MB");
    }

    /// <summary>A grey 10000x10000 JPEG with smooth structure (100 MB of pixels to draw, a few MB encoded).</summary>
    private static byte[] LargeJpeg()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(Side, Side, SKColorType.Gray8, SKAlphaType.Opaque));
        var pixels = bitmap.GetPixelSpan();
        var row = new byte[Side];
        for (var y = 0; y < Side; y++)
        {
            for (var x = 0; x < Side; x++)
            {
                row[x] = (byte)((x / 50 + y / 50) % 2 == 0 ? x * 255 / Side : 255 - y * 255 / Side);
            }

            row.CopyTo(pixels[(y * Side)..]);
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 80);
        return data.ToArray();
    }

    private static long ResidentKilobytes(string field) =>
        File.ReadLines("/proc/self/status")
            .Where(line => line.StartsWith(field + ":", StringComparison.Ordinal))
            .Select(line => long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0]))
            .Single();
}
