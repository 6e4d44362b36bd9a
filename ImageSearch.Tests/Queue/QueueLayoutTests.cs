using ImageSearch.Indexing.Queue;
using ImageSearch.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace ImageSearch.Tests.Queue;

// A queue written by the first version (task:{id}, image_indexing_queue:*, a processing list per worker) upgrades in place.
public class QueueLayoutTests
{
    [Theory]
    [ClassData(typeof(SingleQueueServers))]
    public async Task A_queue_in_the_first_layout_is_moved_whole_and_its_tasks_then_flow(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var db = test.Db;
        await WriteFirstLayoutAsync(db);

        var processor = new CountingProcessor();
        var consumer = await test.ConsumerAsync("upgraded", processor);
        var queue = test.Queue();
        using var stop = new CancellationTokenSource();
        var run = consumer.RunAsync(stop.Token);
        await Eventually.HoldsAsync(async () => (await queue.GetStatsAsync()).Completed == 3, "the three waiting tasks are completed");
        await stop.CancelAsync();
        await run;

        Assert.Equal(QueueLayout.Version, (string?)await db.StringGetAsync(QueueKeys.Layout));
        Assert.Equal(["t1", "t2", "t3"], processor.Completed.Keys.Order());
        // The task a worker of the first version held went back to the head of the queue, ahead of the two waiting.
        var held = (await queue.GetAsync("t3"))!;
        Assert.Equal((TaskStatuses.Completed, "upgraded"), (held.Status, held.WorkerId));
        Assert.True((await queue.GetAsync("t3"))!.StartedAt < (await queue.GetAsync("t1"))!.StartedAt);
        Assert.StartsWith("00-0af7651916cd43dd8448eb211c80319c-", (await queue.GetAsync("t1"))!.TraceParent);
        Assert.Equal(["enqueued", "started", "completed"], (await queue.GetAsync("t1"))!.History.Select(h => h.Event));

        var stats = await queue.GetStatsAsync();
        Assert.Equal((5L, 3L, 1L, 1L, 1L, 1L), (stats.Enqueued, stats.Completed, stats.Failed, stats.Dead, stats.Delayed, stats.Retried));
        Assert.Equal("t4", (await queue.ListDeadAsync(0, 10)).Single().TaskId);
        Assert.Equal(TaskStatuses.Delayed, (await queue.GetAsync("t5"))!.Status);
        Assert.Equal("t5", (string?)await db.HashGetAsync(QueueKeys.Deduplication, "p5\nimages/5.jpg"));

        var server = test.Connection.GetServer(test.Connection.GetEndPoints()[0]);
        var left = new List<string>();
        await foreach (var key in server.KeysAsync(pattern: "*"))
        {
            left.Add(key.ToString());
        }

        Assert.DoesNotContain(left, key => key.StartsWith("task:", StringComparison.Ordinal) || key.StartsWith("worker_status:", StringComparison.Ordinal)
            || (key.StartsWith("image_indexing_queue:", StringComparison.Ordinal)));

        // Once moved, it is not moved again.
        await queue.EnsureCurrentLayoutAsync(NullLogger.Instance, TestContext.Current.CancellationToken);
        Assert.Equal(5, (await queue.GetStatsAsync()).Enqueued);
    }

    private static async Task WriteFirstLayoutAsync(IDatabase db)
    {
        for (var i = 1; i <= 5; i++)
        {
            var (status, attempts) = i switch { 3 => ("processing", 1), 4 => ("dead", 1), 5 => ("delayed", 1), _ => ("pending", 0) };
            await db.HashSetAsync($"task:t{i}",
            [
                new("task_id", $"t{i}"), new("product_id", $"p{i}"), new("image_path", $"images/{i}.jpg"), new("metadata", "{}"),
                new("created_at", "2026-11-30T10:00:00.0000000Z"), new("status", status), new("attempts", attempts), new("recoveries", 0),
                new("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"), new("dedup_key", i == 5 ? "p5\nimages/5.jpg" : "")
            ]);
            await db.ListRightPushAsync($"task:t{i}:history", """{"at":"2026-11-30T10:00:00+00:00","event":"enqueued"}""");
        }

        await db.ListRightPushAsync("image_indexing_queue", ["t1", "t2"]);
        await db.ListRightPushAsync("image_indexing_queue:processing:old-worker", "t3");
        await db.ListRightPushAsync("image_indexing_queue:dead", "t4");
        await db.SortedSetAddAsync("image_indexing_queue:delayed", "t5", DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds());
        await db.HashSetAsync("image_indexing_queue:stats", [new("enqueued", 5), new("failed", 1), new("retried", 1)]);
        await db.HashSetAsync("image_indexing_queue:dedup", "p5\nimages/5.jpg", "t5");
        await db.SortedSetAddAsync("image_indexing_queue:workers", "old-worker", 1);
        await db.HashSetAsync("worker_status:old-worker", "worker_id", "old-worker");
    }
}
