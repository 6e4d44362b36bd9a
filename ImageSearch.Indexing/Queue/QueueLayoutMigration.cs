using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ImageSearch.Indexing.Queue;

/// <summary>At start, brings the queue's keys to the current layout (<see cref="QueueLayout"/>), trying again while Redis is away.</summary>
public sealed class QueueLayoutMigration(TaskQueue queue, ILogger<QueueLayoutMigration> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await queue.EnsureCurrentLayoutAsync(logger, stoppingToken);
                return;
            }
            catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
            {
                logger.LogWarning(ex, "The queue's key layout could not be checked yet; trying again");
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }
}
