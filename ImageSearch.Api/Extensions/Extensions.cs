using System.Text.Json;
using ImageSearch.Api.OpenApi;
using ImageSearch.Api.Security;
using ImageSearch.Api.Services;
using ImageSearch.Indexing.Health;

namespace ImageSearch.Api.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        RedisUrl.UseAsConnectionString(builder.Configuration);
        if (OpenApiExtensions.IsGeneratingDocumentAtBuild)
        {
            // Nothing connects while the build reads the endpoints, but the client wants a connection string.
            builder.Configuration["ConnectionStrings:redis"] ??= "127.0.0.1:1,abortConnect=false,connectTimeout=100";
        }

        // Registers the multiplexer, its health check and its traces. While Redis is unreachable a command fails at once
        // (the client answers 503, Retry-After) instead of waiting in the backlog until it times out.
        builder.AddRedisClient("redis", configureOptions: options => options.BacklogPolicy = BacklogPolicy.FailFast);

        builder.Services.AddProblemDetails();
        // The JSON contract of the service this replaces is snake_case.
        builder.Services.ConfigureHttpJsonOptions(options =>
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);

        builder.AddTaskQueue();

        builder.AddImageEmbedding();
        builder.AddVectorStore();
        builder.AddIndexingHealthChecks();
        // Nobody else in this process fetches the queue's figures for its gauges.
        builder.Services.AddHostedService<QueueStatsPublisher>();
        builder.AddApiSecurity();

        builder.Services.AddOptions<SearchOptions>()
            .BindConfiguration(SearchOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<EmbeddingLimiter>();

        builder.AddApiDescription();
    }
}
