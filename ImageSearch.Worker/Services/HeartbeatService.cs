using Microsoft.Extensions.Options;

namespace ImageSearch.Worker.Services;

/// <summary>
/// Renews this worker's heartbeat until shutdown, then removes it so operators see the worker leave
/// at once rather than after the heartbeat expires.
/// </summary>
public sealed class HeartbeatService(
    WorkerRegistry registry,
    WorkerCounters counters,
    IOptions<WorkerOptions> options,
    TimeProvider timeProvider,
    ILogger<HeartbeatService> logger) : BackgroundService
{
    private readonly DateTimeOffset _startedAt = timeProvider.GetUtcNow();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        logger.LogInformation("Worker {WorkerId} started", settings.WorkerId);

        using var timer = new PeriodicTimer(settings.HeartbeatInterval, timeProvider);
        do
        {
            try
            {
                await registry.HeartbeatAsync(CurrentStatus(settings.WorkerId), settings.HeartbeatTimeToLive);
            }
            catch (StackExchange.Redis.RedisException ex)
            {
                // A missed beat is not fatal: the next one, within the time to live, keeps the worker alive.
                logger.LogWarning(ex, "Heartbeat of worker {WorkerId} failed", settings.WorkerId);
            }
        }
        while (await WaitForNextTickAsync(timer, stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await registry.RemoveAsync(options.Value.WorkerId);
        logger.LogInformation("Worker {WorkerId} stopped", options.Value.WorkerId);
    }

    private WorkerStatus CurrentStatus(string workerId) => new(
        workerId,
        timeProvider.GetUtcNow(),
        _startedAt,
        counters.TasksProcessed,
        counters.TasksFailed,
        counters.Status,
        Environment.MachineName,
        Environment.ProcessId);

    private static async Task<bool> WaitForNextTickAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
