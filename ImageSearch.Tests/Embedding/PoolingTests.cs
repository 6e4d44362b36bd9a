using ImageSearch.Indexing.Embedding;

namespace ImageSearch.Tests.Embedding;

public sealed class PoolingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("imagesearch-whitening-").FullName;

    [Fact]
    public void GeM_is_the_average_at_power_one_and_nears_the_maximum_as_the_power_grows()
    {
        // Two channels over a 2 x 3 map.
        float[] map = [1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0, 12];
        var average = new float[2];
        var gem1 = new float[2];
        var gem16 = new float[2];

        FeatureMapPooling.Average(map, 2, 3, average);
        FeatureMapPooling.Gem(map, 2, 3, 1, gem1);
        FeatureMapPooling.Gem(map, 2, 3, 16, gem16);

        Assert.Equal([3.5f, 2f], average);
        Assert.Equal(average[0], gem1[0], 1e-4f);
        Assert.Equal(average[1], gem1[1], 1e-4f);
        Assert.InRange(gem16[0], 5f, 6f);
        Assert.InRange(gem16[1], 10f, 12f);
    }

    [Theory]
    [InlineData(7, 10)]
    [InlineData(10, 7)]
    [InlineData(7, 7)]
    [InlineData(1, 1)]
    public void R_MAC_regions_lie_inside_the_map_and_cover_it_at_each_level(int height, int width)
    {
        var regions = FeatureMapPooling.Regions(height, width);

        Assert.Contains((0, 0, 0), regions);
        Assert.All(regions.Where(region => region.Size > 0), region =>
        {
            Assert.InRange(region.Top + region.Size, 1, height);
            Assert.InRange(region.Left + region.Size, 1, width);
        });
        // The first level's squares (side = the shorter side) reach both ends of the longer side.
        var first = regions.Where(region => region.Size == Math.Min(height, width)).ToList();
        Assert.Contains(first, region => region.Top == 0 && region.Left == 0);
        Assert.Contains(first, region => region.Top + region.Size == height && region.Left + region.Size == width);
    }

    [Fact]
    public void A_whitening_file_reads_back_the_same_and_projects_the_centred_vector()
    {
        // 3 -> 2: keeps the first two coordinates, the second scaled by 2.
        var whitening = new PcaWhitening([1, 1, 1], [1, 0, 0, 0, 2, 0], outputDimensions: 2);
        var path = Path.Combine(_folder, "whitening.bin");

        whitening.Write(path);
        var read = PcaWhitening.Read(path);

        Assert.Equal((3, 2), (read.InputDimensions, read.OutputDimensions));
        Assert.Equal(whitening.Mean, read.Mean);
        Assert.Equal(whitening.Projection, read.Projection);
        var output = read.Apply([4, 3, 100]);
        // (4-1, 2·(3-1)) = (3, 4), normalised.
        Assert.Equal(0.6f, output[0], 1e-5f);
        Assert.Equal(0.8f, output[1], 1e-5f);
    }

    [Fact]
    public void A_truncated_whitening_file_is_refused()
    {
        var path = Path.Combine(_folder, "short.bin");
        new PcaWhitening([0, 0], [1, 0, 0, 1], 2).Write(path);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..20]);

        var error = Assert.Throws<InvalidOperationException>(() => PcaWhitening.Read(path));

        Assert.Contains("truncated", error.Message);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
