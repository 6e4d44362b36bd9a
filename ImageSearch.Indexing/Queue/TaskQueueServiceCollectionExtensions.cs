using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ImageSearch.Indexing.Queue;

public static class TaskQueueServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="TaskQueue"/> and the <see cref="WorkerRegistry"/> over the registered Redis connection, with
    /// <see cref="QueueOptions"/> (section <c>Queue</c>) validated at start, and the one-time move of an older key layout.
    /// </summary>
    public static IHostApplicationBuilder AddTaskQueue(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<QueueOptions>()
            .BindConfiguration(QueueOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(options => options.RetryMaxDelay >= options.RetryBaseDelay,
                "Queue:RetryMaxDelay must not be shorter than Queue:RetryBaseDelay.")
            .ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<TaskQueue>();
        builder.Services.AddSingleton<WorkerRegistry>();
        builder.Services.AddHostedService<QueueLayoutMigration>();
        return builder;
    }
}
