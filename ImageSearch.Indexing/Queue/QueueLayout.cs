using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ImageSearch.Indexing.Queue;

/// <summary>
/// Brings a queue written by the first version of this system to the current key layout, once, before anything takes a
/// task: task records move from <c>task:{id}</c> to <see cref="QueueKeys.Task"/> (their history list into the record),
/// the queue's own keys from
/// <c>image_indexing_queue:*</c> under <see cref="QueueKeys.Prefix"/>, and the tasks of the old per-worker processing
/// lists go back to the head of the pending list (no lease covers them). The pending list keeps its name. Only a single
/// server can hold the old layout (its scripts never ran on a cluster). Stop workers of the first version before
/// upgrading: what they write after the move is in the old layout.
/// </summary>
public sealed class QueueLayout(IConnectionMultiplexer redis, ILogger logger)
{
    public const string Version = "2";

    private const string OldTaskPrefix = "task:";
    private const string OldPrefix = QueueKeys.Pending + ":";
    // Short, and renewed while the move runs: a process killed in the middle holds the others up for seconds only.
    private static readonly TimeSpan LockTime = TimeSpan.FromSeconds(15);

    /// <summary>Every first-version queue had at least one of these (its first enqueue wrote the counters).</summary>
    private static readonly RedisKey[] OldSharedKeys =
        [OldPrefix + "stats", OldPrefix + "dedup", OldPrefix + "delayed", OldPrefix + "dead", OldPrefix + "workers"];

    /// <summary>Returns once the layout is current, migrating it if no other process is doing so.</summary>
    public async Task EnsureCurrentAsync(CancellationToken cancellationToken = default)
    {
        var db = redis.GetDatabase();
        var lockKey = QueueKeys.Prefix + "layout:lock";
        var token = Guid.NewGuid().ToString();
        while (await db.StringGetAsync(QueueKeys.Layout) != Version)
        {
            if (!await AnyExistsAsync(db, OldSharedKeys))
            {
                // A new queue, or one already moved: nothing of the first version to look for.
                await db.StringSetAsync(QueueKeys.Layout, Version);
                return;
            }

            if (!await db.StringSetAsync(lockKey, token, LockTime, When.NotExists))
            {
                // Another process migrates; its lock lapses soon if it dies.
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
                continue;
            }

            using var renewal = new CancellationTokenSource();
            var renewing = RenewAsync(db, lockKey, token, renewal.Token);
            try
            {
                if (await db.StringGetAsync(QueueKeys.Layout) != Version)
                {
                    await MigrateAsync(db);
                    await db.StringSetAsync(QueueKeys.Layout, Version);
                }
            }
            finally
            {
                await renewal.CancelAsync();
                await renewing;
                if (await db.StringGetAsync(lockKey) == token)
                {
                    await db.KeyDeleteAsync(lockKey);
                }
            }
        }
    }

    // One key at a time: a cluster refuses a multi-key EXISTS whose keys lie in different slots.
    private static async Task<bool> AnyExistsAsync(IDatabase db, RedisKey[] keys)
    {
        foreach (var key in keys)
        {
            if (await db.KeyExistsAsync(key))
            {
                return true;
            }
        }

        return false;
    }

    private static async Task RenewAsync(IDatabase db, RedisKey lockKey, string token, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(LockTime / 3);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                if (await db.StringGetAsync(lockKey) == token)
                {
                    await db.KeyExpireAsync(lockKey, LockTime);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (RedisException)
        {
            // The lock then lapses and another process takes the move over; every step of it moves and deletes its
            // source at once, so what is done is not done twice.
        }
    }

    private async Task MigrateAsync(IDatabase db)
    {
        if (redis.GetServers() is not [var server] || server.ServerType == ServerType.Cluster)
        {
            return;
        }

        long tasks = 0;
        await foreach (var key in server.KeysAsync(db.Database, OldTaskPrefix + "*", pageSize: 1000))
        {
            var name = key.ToString();
            var record = name.EndsWith(":history", StringComparison.Ordinal) ? name[..^":history".Length] : name;
            RedisKey[] keys = [record, record + ":history", QueueKeys.Task(record[OldTaskPrefix.Length..]), QueueKeys.Pending];
            tasks += (long)await QueueScripts.MoveFirstLayoutTask.EvaluateAsync(db, keys, []);
        }

        await MoveKeyAsync(db, OldPrefix + "stats", QueueKeys.Stats, "counters");
        await MoveKeyAsync(db, OldPrefix + "dedup", QueueKeys.Deduplication, "hash");
        await MoveKeyAsync(db, OldPrefix + "delayed", QueueKeys.Delayed, "zset");
        var dead = await MoveKeyAsync(db, OldPrefix + "dead", QueueKeys.Dead, "list");
        long returned = 0;
        await foreach (var key in server.KeysAsync(db.Database, OldPrefix + "processing:*", pageSize: 1000))
        {
            returned += await MoveKeyAsync(db, key, QueueKeys.Pending, "processing");
        }

        await db.KeyDeleteAsync([OldPrefix + "workers", OldPrefix + "recent_completions"]);
        await foreach (var key in server.KeysAsync(db.Database, "worker_status:*", pageSize: 1000))
        {
            await db.KeyDeleteAsync(key);
        }

        if (tasks > 0 || returned > 0 || dead > 0)
        {
            logger.LogWarning("Moved the queue to key layout {Version}: {TaskKeys} task keys, {DeadLetters} dead letters, {Returned} tasks that were being processed returned to the queue",
                Version, tasks, dead, returned);
        }
    }

    private static async Task<long> MoveKeyAsync(IDatabase db, RedisKey from, RedisKey to, string kind) =>
        (long)await QueueScripts.MoveFirstLayoutKey.EvaluateAsync(db, [from, to, QueueKeys.Pending], [kind, QueueKeys.TaskPrefix]);
}
