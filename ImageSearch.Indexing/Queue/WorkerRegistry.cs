using System.Globalization;
using StackExchange.Redis;

namespace ImageSearch.Indexing.Queue;

/// <summary>
/// Worker heartbeats, for <c>GET /queue/workers</c>: a hash per worker that expires unless renewed, and a sorted set
/// of worker ids by their last beat so the live workers can be listed without scanning keys. Who owns a task is not
/// decided here but by the task's lease.
/// </summary>
public sealed class WorkerRegistry(IConnectionMultiplexer redis)
{
    public async Task HeartbeatAsync(WorkerStatus status, TimeSpan timeToLive)
    {
        var db = redis.GetDatabase();
        var key = QueueKeys.WorkerStatus(status.WorkerId);
        var transaction = db.CreateTransaction();
        _ = transaction.HashSetAsync(key,
        [
            new("worker_id", status.WorkerId),
            new("timestamp", status.Timestamp.ToString("O")),
            new("started_at", status.StartedAt.ToString("O")),
            new("tasks_processed", status.TasksProcessed),
            new("tasks_failed", status.TasksFailed),
            new("status", status.Status),
            new("host", status.Host),
            new("pid", status.ProcessId)
        ]);
        _ = transaction.KeyExpireAsync(key, timeToLive);
        _ = transaction.SortedSetAddAsync(QueueKeys.Workers, status.WorkerId, status.Timestamp.ToUnixTimeMilliseconds());
        // Ids that have not beaten for ten lives are gone for good (killed without a goodbye).
        _ = transaction.SortedSetRemoveRangeByScoreAsync(QueueKeys.Workers, double.NegativeInfinity,
            (status.Timestamp - 10 * timeToLive).ToUnixTimeMilliseconds());
        await transaction.ExecuteAsync();
    }

    public async Task RemoveAsync(string workerId)
    {
        var db = redis.GetDatabase();
        var transaction = db.CreateTransaction();
        _ = transaction.KeyDeleteAsync(QueueKeys.WorkerStatus(workerId));
        _ = transaction.SortedSetRemoveAsync(QueueKeys.Workers, workerId);
        await transaction.ExecuteAsync();
    }

    /// <summary>Workers whose heartbeat has not expired, in the order they last reported.</summary>
    public async Task<IReadOnlyList<WorkerStatus>> GetLiveWorkersAsync()
    {
        var db = redis.GetDatabase();
        var ids = await db.SortedSetRangeByRankAsync(QueueKeys.Workers);
        var hashes = await Task.WhenAll(ids.Select(id => db.HashGetAllAsync(QueueKeys.WorkerStatus(id!))));
        return hashes.Where(fields => fields.Length > 0).Select(Parse).ToList();
    }

    private static WorkerStatus Parse(HashEntry[] fields)
    {
        var values = fields.ToDictionary(f => f.Name.ToString(), f => f.Value.ToString());
        return new WorkerStatus(
            values["worker_id"],
            DateTimeOffset.Parse(values["timestamp"], CultureInfo.InvariantCulture),
            DateTimeOffset.Parse(values["started_at"], CultureInfo.InvariantCulture),
            long.Parse(values["tasks_processed"], CultureInfo.InvariantCulture),
            long.Parse(values["tasks_failed"], CultureInfo.InvariantCulture),
            values["status"],
            values["host"],
            int.Parse(values["pid"], CultureInfo.InvariantCulture));
    }
}
