using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ImageSearch.Indexing.Queue;

/// <summary>
/// Fetches the queue's figures every few seconds so this process's queue gauges (<see cref="QueueTelemetry"/>) report
/// them. Workers need none: their heartbeat fetches the figures already.
/// </summary>
public sealed class QueueStatsPublisher(TaskQueue queue, TimeProvider timeProvider, ILogger<QueueStatsPublisher> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, timeProvider);
        try
        {
            do
            {
                try
                {
                    await queue.GetStatsAsync();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The gauges keep the last figures; the Redis health check is what reports the outage.
                    logger.LogDebug(ex, "Fetching the queue figures for the gauges failed");
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
