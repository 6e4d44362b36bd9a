using ImageSearch.Indexing.Queue;
using ImageSearch.Tests.Infrastructure;

namespace ImageSearch.Tests.Queue;

// Faults for real while work flows: worker processes killed and frozen past their lease, again and again.
public class QueueSoakTests
{
    private const int Tasks = 1000;
    private const int Faults = 50;
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(1);

    [Theory]
    [ClassData(typeof(SingleQueueServers))]
    public async Task Fifty_kills_and_pauses_across_two_workers_leave_every_task_completed_exactly_once_and_the_counters_true(RedisServerKind kind)
    {
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue(new QueueOptions { MaxRecoveries = 100 });
        var ids = new List<string>();
        for (var i = 0; i < Tasks; i += 100)
        {
            ids.AddRange((await queue.EnqueueBatchAsync([.. Enumerable.Range(i, 100).Select(j => new NewTask($"product-{j}", $"{j}.jpg", null))]))
                .Select(r => r.TaskId));
        }

        // Both workers keep their ids across restarts, so ownership rests on each take's lease alone.
        var workers = new[] { StartWorker(test, "soak-a"), StartWorker(test, "soak-b") };
        var random = new Random(50);
        var kills = 0;
        var pauses = 0;
        try
        {
            for (var fault = 0; fault < Faults; fault++)
            {
                var w = fault % 2;
                await System.Threading.Tasks.Task.Delay(random.Next(100, 400), TestContext.Current.CancellationToken);
                if (random.Next(2) == 0)
                {
                    await workers[w].KillAsync();
                    await workers[w].DisposeAsync();
                    workers[w] = StartWorker(test, w == 0 ? "soak-a" : "soak-b");
                    kills++;
                }
                else
                {
                    // Frozen past its lease: the other worker's next take sweeps its batch back to the queue.
                    workers[w].Pause();
                    await System.Threading.Tasks.Task.Delay(Lease * 1.5, TestContext.Current.CancellationToken);
                    workers[w].Resume();
                    pauses++;
                }
            }

            Assert.True((await queue.GetStatsAsync()).Completed < Tasks, "the work ended before the faults did: slow the workers down");
            await Eventually.HoldsAsync(async () => (await queue.GetStatsAsync()).Completed == Tasks, "every task is completed", TimeSpan.FromMinutes(3));
        }
        finally
        {
            foreach (var worker in workers)
            {
                await worker.DisposeAsync();
            }
        }

        Assert.Equal(Faults, kills + pauses);
        var records = new List<TaskRecord>();
        foreach (var id in ids)
        {
            records.Add((await queue.GetAsync(id))!);
        }

        Assert.All(records, record => Assert.Equal(TaskStatuses.Completed, record.Status));
        Assert.All(records, record => Assert.Single(record.History, h => h.Event == "completed"));
        int Events(string name) => records.Sum(record => record.History.Count(h => h.Event == name));
        // Every take ended once: completed, or its lease lapsed and the task went back (a kill loses no "returned").
        Assert.Equal(Events("started"), Events("completed") + Events("recovered") + Events("returned"));
        Assert.True(Events("recovered") > 0, "no lease ever lapsed: the faults did not bite");

        var stats = await queue.GetStatsAsync();
        Assert.Equal((0L, 0L, 0L, 0L), (stats.Pending, stats.Processing, stats.Delayed, stats.Dead));
        Assert.Equal((Tasks, Tasks, 0L, 0L, 0L), (stats.Enqueued, stats.Completed, stats.Failed, stats.Retried, stats.Poisoned));
        Assert.Equal(Events("recovered"), stats.Recovered);
        Assert.Equal(Events("refused"), stats.Refused);
        // No stray lease: nothing is active, and no record holds a lease token.
        Assert.Equal(0, await test.Db.SortedSetLengthAsync(QueueKeys.Active));
        Assert.Equal(0, records.Count(record => record.LeaseExpiresAt is not null));
    }

    private static QueueWorkerProcess StartWorker(QueueTestServer test, string id) =>
        QueueWorkerProcess.Start(test.Server.ConnectionString, id, 5, Lease, 100, "work");
}
