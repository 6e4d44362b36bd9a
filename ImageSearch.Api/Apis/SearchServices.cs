using Microsoft.Extensions.Options;

namespace ImageSearch.Api.Apis;

/// <summary>What the search and product endpoints need, bound with [AsParameters].</summary>
public sealed class SearchServices(IImageEmbedder embedder, IVectorStore store, IOptions<SearchOptions> options)
{
    public IImageEmbedder Embedder { get; } = embedder;

    public IVectorStore Store { get; } = store;

    public IOptions<SearchOptions> Options { get; } = options;
}
