using ImageSearch.Api.Security;
using ImageSearch.Api.Services;
using Microsoft.Extensions.Options;

namespace ImageSearch.Api.Apis;

/// <summary>What the search and product endpoints need, bound with [AsParameters].</summary>
public sealed class SearchServices(
    IImageEmbedder embedder, IVectorStore store, IOptions<SearchOptions> options, EmbeddingLimiter limiter, ImageLinks links, ImageDecoder decoder)
{
    public IImageEmbedder Embedder { get; } = embedder;

    public IVectorStore Store { get; } = store;

    public IOptions<SearchOptions> Options { get; } = options;

    public EmbeddingLimiter Limiter { get; } = limiter;

    public ImageLinks Links { get; } = links;

    public ImageDecoder Decoder { get; } = decoder;
}
