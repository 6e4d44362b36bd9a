using ImageSearch.Indexing.Embedding;
using ImageSearch.Indexing.Imaging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ImageSearch.Tests.Embedding;

/// <summary>
/// One real ResNet18 embedder for all embedding tests (loading the model costs a second and 64 MB), registered
/// exactly as the services register it, with an image root in a temporary folder.
/// </summary>
public sealed class EmbedderFixture : IDisposable
{
    private readonly ServiceProvider _services;

    public EmbedderFixture()
    {
        ImageRoot = Directory.CreateTempSubdirectory("imagesearch-images-").FullName;
        _services = CreateServices(ImageRoot);
        Embedder = _services.GetRequiredService<IImageEmbedder>();
        Loader = _services.GetRequiredService<ImageLoader>();
    }

    public string ImageRoot { get; }

    public IImageEmbedder Embedder { get; }

    public ImageLoader Loader { get; }

    /// <summary>A file source for <paramref name="content"/> written under the image root.</summary>
    public ImageSource.File WriteFile(string relativePath, byte[] content)
    {
        var path = Path.Combine(ImageRoot, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return new ImageSource.File(relativePath);
    }

    public static ServiceProvider CreateServices(string imageRoot, IDictionary<string, string?>? settings = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ImageLoader:ImageRoot"] = imageRoot })
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddImageEmbedding(configuration);
        return services.BuildServiceProvider();
    }

    public void Dispose()
    {
        _services.Dispose();
        Directory.Delete(ImageRoot, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class EmbedderCollection : ICollectionFixture<EmbedderFixture>
{
    public const string Name = "Embedder";
}
