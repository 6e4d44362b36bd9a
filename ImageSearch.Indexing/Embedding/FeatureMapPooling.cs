using System.Numerics.Tensors;

namespace ImageSearch.Indexing.Embedding;

/// <summary>
/// Pools a feature map <c>[channels, height, width]</c> (ReLU output, so never negative) into one value per channel:
/// the classic off-the-shelf CNN retrieval descriptors (Radenović et al. for GeM, Tolias et al. for R-MAC).
/// </summary>
public static class FeatureMapPooling
{
    private const float Epsilon = 1e-6f;

    /// <summary>Adds <paramref name="pooling"/> of the map to <paramref name="into"/>, L2-normalised, so several scales can be summed.</summary>
    public static void AddNormalised(string pooling, float power, ReadOnlySpan<float> map, int height, int width, Span<float> into)
    {
        Span<float> pooled = stackalloc float[into.Length];
        switch (pooling)
        {
            case "gem":
                Gem(map, height, width, power, pooled);
                break;
            case "rmac":
                RegionalMax(map, height, width, pooled);
                break;
            default:
                Average(map, height, width, pooled);
                break;
        }

        AddUnit(pooled, into);
    }

    /// <summary>Generalised mean: (mean of x^p)^(1/p) per channel; p = 1 is the average, large p tends to the maximum.</summary>
    public static void Gem(ReadOnlySpan<float> map, int height, int width, float power, Span<float> into)
    {
        var plane = height * width;
        Span<float> scratch = stackalloc float[plane];
        for (var channel = 0; channel < into.Length; channel++)
        {
            TensorPrimitives.Max(map.Slice(channel * plane, plane), Epsilon, scratch);
            TensorPrimitives.Pow(scratch, power, scratch);
            into[channel] = MathF.Pow(TensorPrimitives.Sum(scratch) / plane, 1 / power);
        }
    }

    public static void Average(ReadOnlySpan<float> map, int height, int width, Span<float> into)
    {
        var plane = height * width;
        for (var channel = 0; channel < into.Length; channel++)
        {
            into[channel] = TensorPrimitives.Sum(map.Slice(channel * plane, plane)) / plane;
        }
    }

    /// <summary>
    /// R-MAC: the maximum of each channel over square regions at three scales (about 40 % overlap, as Tolias et al.
    /// sample them) and over the whole map, each region's vector L2-normalised, summed.
    /// </summary>
    public static void RegionalMax(ReadOnlySpan<float> map, int height, int width, Span<float> into)
    {
        into.Clear();
        Span<float> region = stackalloc float[into.Length];
        foreach (var bounds in Regions(height, width))
        {
            RegionMax(map, height, width, bounds, region);
            AddUnit(region, into);
        }
    }

    /// <summary>Each channel's maximum over one region (size 0: the whole map).</summary>
    internal static void RegionMax(ReadOnlySpan<float> map, int height, int width, (int Top, int Left, int Size) region, Span<float> into)
    {
        var (regionHeight, regionWidth) = region.Size == 0 ? (height, width) : (region.Size, region.Size);
        for (var channel = 0; channel < into.Length; channel++)
        {
            var plane = map.Slice(channel * height * width, height * width);
            var max = 0f;
            for (var y = region.Top; y < region.Top + regionHeight; y++)
            {
                max = MathF.Max(max, TensorPrimitives.Max(plane.Slice(y * width + region.Left, regionWidth)));
            }

            into[channel] = max;
        }
    }

    /// <summary>The whole map (size 0) and the R-MAC regions: at level l, squares of side 2·min/(l+1) spread evenly.</summary>
    internal static List<(int Top, int Left, int Size)> Regions(int height, int width, int levels = 3)
    {
        var regions = new List<(int, int, int)> { (0, 0, 0) };
        var shorter = Math.Min(height, width);
        var longer = Math.Max(height, width);
        // Extra regions along the longer side so that neighbours overlap by about 40 %.
        var extra = 0;
        if (longer > shorter)
        {
            var best = double.MaxValue;
            for (var steps = 2; steps <= 7; steps++)
            {
                var step = (double)(longer - shorter) / (steps - 1);
                var overlap = Math.Abs((shorter * shorter - shorter * step) / (shorter * shorter) - 0.4);
                if (overlap < best)
                {
                    (best, extra) = (overlap, steps - 1);
                }
            }
        }

        var (extraY, extraX) = height > width ? (extra, 0) : (0, extra);
        for (var level = 1; level <= levels; level++)
        {
            var size = Math.Max(1, 2 * shorter / (level + 1));
            foreach (var top in Starts(height, size, level + extraY))
            {
                foreach (var left in Starts(width, size, level + extraX))
                {
                    regions.Add((top, left, size));
                }
            }
        }

        return regions;
    }

    private static IEnumerable<int> Starts(int extent, int size, int count) =>
        count <= 1
            ? [Math.Max(0, (extent - size) / 2)]
            : Enumerable.Range(0, count).Select(i => (int)Math.Floor(i * (double)(extent - size) / (count - 1))).Distinct();

    private static void AddUnit(ReadOnlySpan<float> vector, Span<float> into)
    {
        var norm = TensorPrimitives.Norm(vector);
        if (norm > 0)
        {
            TensorPrimitives.MultiplyAdd(vector, 1 / norm, into, into);
        }
    }
}
