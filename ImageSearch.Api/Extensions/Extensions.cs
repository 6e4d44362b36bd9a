using System.Text.Json;
using ImageSearch.Api.OpenApi;
using ImageSearch.Api.Security;
using ImageSearch.Indexing.Health;
using Microsoft.Extensions.Options;

namespace ImageSearch.Api.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        // Outside the AppHost the original's REDIS_URL names the server.
        if (builder.Configuration.GetConnectionString("redis") is null && builder.Configuration["REDIS_URL"] is { } redisUrl)
        {
            builder.Configuration["ConnectionStrings:redis"] = RedisUrl.ToConfiguration(redisUrl);
        }

        // Registers the multiplexer, its health check and its traces.
        builder.AddRedisClient("redis");

        builder.Services.AddProblemDetails();
        // The JSON contract of the service this replaces is snake_case.
        builder.Services.ConfigureHttpJsonOptions(options =>
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);

        builder.Services.AddOptions<QueueOptions>()
            .BindConfiguration(QueueOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<TaskQueue>();
        builder.Services.AddSingleton<WorkerRegistry>();

        builder.AddImageEmbedding();
        builder.AddVectorStore();
        builder.AddIndexingHealthChecks();
        // Nobody else in this process fetches the queue's figures for its gauges.
        builder.Services.AddHostedService<QueueStatsPublisher>();
        builder.Services.AddSingleton(services =>
            new ImageRoot(services.GetRequiredService<IOptions<ImageLoaderOptions>>().Value.ImageRoot));
        builder.AddApiSecurity();
        builder.AddApiDescription();

        builder.Services.AddOptions<SearchOptions>()
            .BindConfiguration(SearchOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
    }
}
