using ImageSearch.Indexing.VectorStore.Embedded;
using ImageSearch.Indexing.VectorStore.Qdrant;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;
using QdrantClient = Qdrant.Client.QdrantClient;
using StackExchange.Redis;

namespace ImageSearch.Indexing.VectorStore;

public static class VectorStoreExtensions
{
    /// <summary>
    /// Registers <see cref="IVectorStore"/>: Qdrant when the connection string <paramref name="qdrantConnectionName"/>
    /// is set (<c>Endpoint=http://host:6334;Key=...</c>), else the embedded store on the registered
    /// <see cref="IConnectionMultiplexer"/> (register it first, e.g. with <c>AddRedisClient("redis")</c>).
    /// Options come from the <c>VectorStore</c> section (<see cref="VectorStoreOptions"/>).
    /// </summary>
    public static IHostApplicationBuilder AddVectorStore(this IHostApplicationBuilder builder, string qdrantConnectionName = "qdrant")
    {
        builder.Services.AddOptions<VectorStoreOptions>()
            .BindConfiguration(VectorStoreOptions.SectionName)
            .Validate(options => options.Dimensions > 0, "VectorStore:Dimensions must be positive.")
            .Validate(options => !string.IsNullOrWhiteSpace(options.CollectionName), "VectorStore:CollectionName must be set.")
            .Validate(options => options.UpsertBatchSize > 0, "VectorStore:UpsertBatchSize must be positive.")
            .Validate(options => options.MaxRetryAttempts >= 0, "VectorStore:MaxRetryAttempts must not be negative.")
            .ValidateOnStart();

        builder.Services.AddResiliencePipeline(VectorStoreResilience.PipelineName, (pipeline, context) =>
            pipeline.AddVectorStoreRetry(context.ServiceProvider.GetRequiredService<IOptions<VectorStoreOptions>>().Value));

        var qdrantConnectionString = builder.Configuration.GetConnectionString(qdrantConnectionName);
        if (!string.IsNullOrWhiteSpace(qdrantConnectionString))
        {
            var connection = QdrantConnectionString.Parse(qdrantConnectionString);
            builder.Services.AddSingleton(services =>
                new QdrantClient(connection.Endpoint, connection.ApiKey, loggerFactory: services.GetService<ILoggerFactory>()));
            builder.Services.AddSingleton<IVectorStore>(services => new QdrantVectorStore(
                services.GetRequiredService<QdrantClient>(),
                services.GetRequiredService<IOptions<VectorStoreOptions>>().Value,
                services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline(VectorStoreResilience.PipelineName)));
            return builder;
        }

        builder.Services.AddSingleton(services => new EmbeddedVectorStore(
            services.GetRequiredService<IConnectionMultiplexer>(),
            services.GetRequiredService<IOptions<VectorStoreOptions>>().Value,
            services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline(VectorStoreResilience.PipelineName),
            services.GetService<ILogger<EmbeddedVectorStore>>()));
        builder.Services.AddSingleton<IVectorStore>(services => services.GetRequiredService<EmbeddedVectorStore>());
        builder.Services.AddHostedService<EmbeddedIndexLoader>();
        return builder;
    }
}
