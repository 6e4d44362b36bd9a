using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ImageSearch.Indexing.Queue;

/// <summary>
/// Keeps the lease of a batch in hand alive: every third of the lease duration it moves the deadline of each task
/// still held, until disposed. A task found no longer held (its lease lapsed while this process was paused or cut
/// off) is dropped from the renewals and reported; its outcome will be refused.
/// </summary>
internal sealed class LeaseRenewal : IAsyncDisposable
{
    private readonly TaskQueue _queue;
    private readonly TaskBatch _batch;
    private readonly TimeSpan _leaseDuration;
    private readonly ILogger _logger;
    private readonly HashSet<string> _held;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LeaseRenewal(TaskQueue queue, TaskBatch batch, TimeSpan leaseDuration, TimeProvider timeProvider, ILogger logger)
    {
        (_queue, _batch, _leaseDuration, _logger) = (queue, batch, leaseDuration, logger);
        _held = batch.Tasks.Select(task => task.TaskId).ToHashSet();
        _loop = RenewAsync(new PeriodicTimer(leaseDuration / 3, timeProvider));
    }

    private async Task RenewAsync(PeriodicTimer timer)
    {
        using (timer)
        {
            try
            {
                while (_held.Count > 0 && await timer.WaitForNextTickAsync(_stop.Token))
                {
                    await RenewOnceAsync();
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
        }
    }

    private async Task RenewOnceAsync()
    {
        try
        {
            foreach (var lost in await _queue.ExtendLeaseAsync(_batch, _held, _leaseDuration))
            {
                _held.Remove(lost);
                _logger.LogWarning("Worker {WorkerId} lost the lease of task {TaskId}: it went back to the queue while this worker held it",
                    _batch.WorkerId, lost);
            }
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            // The next tick tries again; the lease lasts three of them.
            _logger.LogWarning(ex, "Worker {WorkerId} could not renew the lease of its batch", _batch.WorkerId);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
