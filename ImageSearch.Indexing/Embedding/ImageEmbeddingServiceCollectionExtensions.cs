using System.Net;
using ImageSearch.Indexing.Imaging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ImageSearch.Indexing.Embedding;

public static class ImageEmbeddingServiceCollectionExtensions
{
    /// <summary>
    /// Registers image loading (<see cref="ImageLoader"/>, options section <c>ImageLoader</c>) and the
    /// <see cref="IImageEmbedder"/> singleton (options section <c>Embedding</c>).
    /// </summary>
    public static IHostApplicationBuilder AddImageEmbedding(this IHostApplicationBuilder builder)
    {
        builder.Services.AddImageEmbedding(builder.Configuration);
        return builder;
    }

    public static IServiceCollection AddImageEmbedding(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ImageLoaderOptions>()
            .Bind(configuration.GetSection(ImageLoaderOptions.SectionName))
            .Validate(options => !string.IsNullOrWhiteSpace(options.ImageRoot), "ImageLoader:ImageRoot is required.")
            .Validate(options => options.MaxPixels > 0 && options.MaxRemoteBytes > 0 && options.MaxRedirects >= 0
                && options.RemoteTimeout > TimeSpan.Zero, "ImageLoader limits must be positive.")
            .ValidateOnStart();
        services.AddOptions<EmbeddingOptions>()
            .Bind(configuration.GetSection(EmbeddingOptions.SectionName))
            .Validate(options => options.IntraOpThreads >= 0 && options.DecodeParallelism >= 0, "Embedding thread counts cannot be negative.")
            .ValidateOnStart();

        services.AddSingleton<ImageDecoder>();
        services.AddSingleton<RemoteImageFetcher>();
        services.AddSingleton(provider => new ImageRoot(provider.GetRequiredService<IOptions<ImageLoaderOptions>>().Value.ImageRoot));
        services.AddSingleton<ImageLoader>();
        services.AddHttpClient(RemoteImageFetcher.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
            {
                // Redirects are followed by RemoteImageFetcher, which checks every hop.
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                ConnectCallback = provider.GetRequiredService<RemoteImageFetcher>().ConnectAsync
            });

        services.AddSingleton<OnnxImageEmbedder>();
        services.AddSingleton<IImageEmbedder>(provider => provider.GetRequiredService<OnnxImageEmbedder>());
        return services;
    }
}
