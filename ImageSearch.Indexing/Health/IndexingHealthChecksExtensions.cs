using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ImageSearch.Indexing.Health;

public static class IndexingHealthChecksExtensions
{
    /// <summary>
    /// Readiness of what indexing and search need beyond Redis (whose check AddRedisClient registers): the vector
    /// store and the embedding model, which starts loading when the host starts. Call after AddImageEmbedding and
    /// AddVectorStore.
    /// </summary>
    public static IHostApplicationBuilder AddIndexingHealthChecks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<EmbeddingModelWarmup>();
        builder.Services.AddHostedService(services => services.GetRequiredService<EmbeddingModelWarmup>());
        builder.Services.AddHealthChecks()
            .AddCheck<VectorStoreHealthCheck>("vector-store", tags: ["ready"], timeout: TimeSpan.FromSeconds(5))
            .AddCheck<EmbeddingModelHealthCheck>("embedding-model", tags: ["ready"]);
        return builder;
    }
}
