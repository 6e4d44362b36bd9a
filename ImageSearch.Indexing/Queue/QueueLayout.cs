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
    private static readonly TimeSpan LockTime = TimeSpan.FromMinutes(5);

    /// <summary>Returns once the layout is current, migrating it if no other process is doing so.</summary>
    public async Task EnsureCurrentAsync(CancellationToken cancellationToken = default)
    {
        var db = redis.GetDatabase();
        var lockKey = QueueKeys.Prefix + "layout:lock";
        var token = Guid.NewGuid().ToString();
        while (await db.StringGetAsync(QueueKeys.Layout) != Version)
        {
            if (!await db.StringSetAsync(lockKey, token, LockTime, When.NotExists))
            {
                // Another process migrates; its lock lapses if it dies.
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
                continue;
            }

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
                if (await db.StringGetAsync(lockKey) == token)
                {
                    await db.KeyDeleteAsync(lockKey);
                }
            }
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
            if (name.EndsWith(":history", StringComparison.Ordinal))
            {
                continue;
            }

            // A newer record under the new name wins.
            var renamed = QueueKeys.Task(name[OldTaskPrefix.Length..]);
            if (await db.KeyRenameAsync(key, renamed, When.NotExists))
            {
                await MoveHistoryAsync(db, name + ":history", renamed);
                await MoveTraceContextAsync(db, renamed);
                tasks++;
            }
        }

        await MergeHashAsync(db, OldPrefix + "stats", QueueKeys.Stats, counters: true);
        await MergeHashAsync(db, OldPrefix + "dedup", QueueKeys.Deduplication, counters: false);
        foreach (var entry in await db.SortedSetRangeByRankWithScoresAsync(OldPrefix + "delayed"))
        {
            await db.SortedSetAddAsync(QueueKeys.Delayed, entry.Element, entry.Score, SortedSetWhen.NotExists);
        }

        var dead = await db.ListRangeAsync(OldPrefix + "dead");
        if (dead.Length > 0)
        {
            await db.ListRightPushAsync(QueueKeys.Dead, dead);
        }

        long returned = 0;
        await foreach (var key in server.KeysAsync(db.Database, OldPrefix + "processing:*", pageSize: 1000))
        {
            foreach (var id in (await db.ListRangeAsync(key)).Reverse())
            {
                await db.HashSetAsync(QueueKeys.Task(id!), "status", TaskStatuses.Pending);
                await db.ListLeftPushAsync(QueueKeys.Pending, id);
                returned++;
            }

            await db.KeyDeleteAsync(key);
        }

        await db.KeyDeleteAsync([OldPrefix + "stats", OldPrefix + "dedup", OldPrefix + "delayed", OldPrefix + "dead", OldPrefix + "workers", OldPrefix + "recent_completions"]);
        await foreach (var key in server.KeysAsync(db.Database, "worker_status:*", pageSize: 1000))
        {
            await db.KeyDeleteAsync(key);
        }

        if (tasks > 0 || returned > 0 || dead.Length > 0)
        {
            logger.LogWarning("Moved the queue to key layout {Version}: {TaskKeys} task keys, {DeadLetters} dead letters, {Returned} tasks that were being processed returned to the queue",
                Version, tasks, dead.Length, returned);
        }
    }

    // The first version kept the history in a list of its own; it is now a JSON array in the record.
    private static async Task MoveHistoryAsync(IDatabase db, RedisKey list, RedisKey task)
    {
        var entries = await db.ListRangeAsync(list);
        await db.HashSetAsync(task, TaskHash.History, $"[{string.Join(',', entries.Select(entry => entry.ToString()))}]");
        await db.KeyDeleteAsync(list);
    }

    // The first version kept the W3C fields one by one; the propagator's fields now travel as one JSON object.
    private static async Task MoveTraceContextAsync(IDatabase db, RedisKey task)
    {
        var fields = await db.HashGetAsync(task, ["traceparent", "tracestate"]);
        var context = new Dictionary<string, string>();
        if (!fields[0].IsNullOrEmpty)
        {
            context["traceparent"] = fields[0]!;
        }

        if (!fields[1].IsNullOrEmpty)
        {
            context["tracestate"] = fields[1]!;
        }

        if (context.Count > 0)
        {
            await db.HashSetAsync(task, TaskHash.TraceContext, TaskHash.Json(context));
            await db.HashDeleteAsync(task, ["traceparent", "tracestate"]);
        }
    }

    private static async Task MergeHashAsync(IDatabase db, RedisKey from, RedisKey to, bool counters)
    {
        foreach (var entry in await db.HashGetAllAsync(from))
        {
            if (counters)
            {
                await db.HashIncrementAsync(to, entry.Name, (long)entry.Value);
            }
            else
            {
                await db.HashSetAsync(to, entry.Name, entry.Value, When.NotExists);
            }
        }
    }
}
