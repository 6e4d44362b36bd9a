using System.Numerics.Tensors;
using ImageSearch.Indexing.Embedding;
using ImageSearch.Indexing.Imaging;
using MathNet.Numerics.LinearAlgebra;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ImageSearch.Benchmarks;

/// <summary>
/// Learns the PCA whitening shipped beside the manifest (models/resnet18/whitening.bin) from a folder of photos that
/// no evaluation uses. Samples are the shipped descriptor before whitening and, as Tolias et al. learn it for R-MAC,
/// every regional vector of every scale, so a few dozen photos give thousands of samples. The eigenvalues are shrunk
/// towards their mean (λ + s·mean λ) so that directions barely seen in training are not blown up.
/// Usage: learn-whitening --photos DIR [--output FILE] [--dimensions 512] [--shrinkage 0.1]
/// </summary>
public sealed class WhiteningLearner : IBenchmark
{
    public string Name => "learn-whitening";

    public string Description => "learn the PCA whitening from a folder of photos: --photos DIR [--output FILE] [--dimensions N] [--shrinkage S]";

    public async Task<int> RunAsync(string[] args)
    {
        var photos = Option(args, "--photos");
        if (photos is null || !Directory.Exists(photos))
        {
            Console.Error.WriteLine("Pass --photos DIR: photos to learn from (none of the development set's).");
            return 1;
        }

        var models = Path.Combine(AppContext.BaseDirectory, "models");
        var output = Option(args, "--output") ?? Path.Combine(BenchmarkPaths.RepositoryRoot ?? ".", "models", "resnet18", "whitening.bin");
        var dimensions = int.Parse(Option(args, "--dimensions") ?? "512");
        var shrinkage = double.Parse(Option(args, "--shrinkage") ?? "0.1", System.Globalization.CultureInfo.InvariantCulture);

        using var variant = VariantModels.Create(models, "unwhitened", manifest =>
        {
            manifest["version"] = "unwhitened";
            manifest["descriptor"]!.AsObject().Remove("whitening");
        });
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ImageLoader:ImageRoot"] = photos,
            ["Embedding:ModelsPath"] = variant.ModelsPath
        }).Build();
        await using var services = new ServiceCollection().AddLogging().AddImageEmbedding(configuration).BuildServiceProvider();
        var embedder = services.GetRequiredService<OnnxImageEmbedder>();

        var samples = new List<float[]>();
        var files = Directory.GetFiles(photos, "*", SearchOption.AllDirectories)
            .Where(path => path.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).ToList();
        foreach (var file in files)
        {
            var source = new ImageSource.File(Path.GetRelativePath(photos, file));
            using var image = embedder.Preparer.Decode((await embedder.Preparer.LoadAsync(source)).Span);
            samples.Add(embedder.Embed(image));
            foreach (var scale in image.Scales)
            {
                embedder.Runner.Run([scale], (_, map, height, width) =>
                {
                    foreach (var region in FeatureMapPooling.Regions(height, width))
                    {
                        var vector = new float[embedder.Runner.Channels];
                        FeatureMapPooling.RegionMax(map, height, width, region, vector);
                        var norm = TensorPrimitives.Norm(vector);
                        if (norm > 0)
                        {
                            TensorPrimitives.Divide(vector, norm, vector);
                            samples.Add(vector);
                        }
                    }
                });
            }
        }

        var whitening = Learn(samples, dimensions, shrinkage);
        whitening.Write(output);
        Console.WriteLine($"learned from {files.Count} photos ({samples.Count} samples), {whitening.InputDimensions} → {dimensions}, " +
            $"shrinkage {shrinkage}: {output} ({new FileInfo(output).Length / 1024} KB)");
        return 0;
    }

    internal static PcaWhitening Learn(IReadOnlyList<float[]> samples, int dimensions, double shrinkage)
    {
        var inputDimensions = samples[0].Length;
        var data = Matrix<double>.Build.Dense(samples.Count, inputDimensions, (row, column) => samples[row][column]);
        var mean = data.ColumnSums() / samples.Count;
        var centred = data - Matrix<double>.Build.Dense(samples.Count, inputDimensions, (_, column) => mean[column]);
        var covariance = centred.TransposeThisAndMultiply(centred) / samples.Count;
        var evd = covariance.Evd(Symmetricity.Symmetric);
        var eigenvalues = evd.EigenValues.Select(value => Math.Max(0, value.Real)).ToArray();
        var floor = shrinkage * eigenvalues.Average();
        // Eigenvalues come in ascending order: the leading components are the last columns.
        var projection = new float[dimensions * inputDimensions];
        for (var row = 0; row < dimensions; row++)
        {
            var component = inputDimensions - 1 - row;
            var scale = 1 / Math.Sqrt(eigenvalues[component] + floor);
            for (var column = 0; column < inputDimensions; column++)
            {
                projection[row * inputDimensions + column] = (float)(evd.EigenVectors[column, component] * scale);
            }
        }

        return new PcaWhitening(mean.Select(value => (float)value).ToArray(), projection, dimensions);
    }

    private static string? Option(string[] args, string name) =>
        Array.IndexOf(args, name) is >= 0 and var i && i + 1 < args.Length ? args[i + 1] : null;
}
