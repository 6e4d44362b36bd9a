using ImageSearch.Indexing.Health;
using Microsoft.Extensions.Options;

namespace ImageSearch.Worker.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        RedisUrl.UseAsConnectionString(builder.Configuration);

        builder.AddRedisClient("redis");

        if (OriginalSettings.LogLevel(builder.Configuration) is { } logLevel)
        {
            builder.Logging.SetMinimumLevel(logLevel);
        }

        var workerId = WorkerIdentity.Resolve(builder.Configuration);
        builder.Services.AddOptions<ConsumerOptions>()
            .BindConfiguration(ConsumerOptions.SectionName)
            .Configure<IConfiguration>(OriginalSettings.Apply)
            .PostConfigure(options => options.WorkerId = workerId)
            .ValidateDataAnnotations()
            .Validate(options => options.HeartbeatTimeToLive > options.HeartbeatInterval,
                "Worker:HeartbeatTimeToLive must be longer than Worker:HeartbeatInterval.")
            .ValidateOnStart();
        // The host must wait for the batch in hand to finish or be returned before it gives up on stopping.
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<ConsumerOptions>>((host, consumer) =>
            host.ShutdownTimeout = consumer.Value.ShutdownGracePeriod + TimeSpan.FromSeconds(10));

        builder.AddTaskQueue();

        // The work on each batch: decode and embed the images, then upsert their vectors.
        builder.AddImageEmbedding();
        builder.AddVectorStore();
        builder.AddIndexingHealthChecks();
        builder.Services.AddSingleton<ITaskProcessor, IndexingTaskProcessor>();
        builder.Services.AddSingleton<QueueConsumer>();
        builder.Services.AddHostedService<QueueWorkerService>();
    }
}
