using System.Diagnostics;
using System.Runtime.InteropServices;
using ImageSearch.Indexing.Queue;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

// A worker process for the crash tests. Arguments: connection string, worker id, batch size,
// heartbeat time to live (ms), max recoveries, and a behaviour:
//   hang   - report the ids of the batch taken ("TOOK id,id") and never finish it (to be killed, or
//            stopped with SIGTERM: the consumer then returns the batch after a 500 ms grace period)
//   poison - kill itself when a batch holds a task of product "poison", complete the others
if (args is not [var connection, var workerId, var batchSize, var ttlMs, var maxRecoveries, var behaviour])
{
    Console.Error.WriteLine("usage: connection worker-id batch-size heartbeat-ttl-ms max-recoveries hang|poison");
    return 2;
}

await using var redis = await ConnectionMultiplexer.ConnectAsync(connection);
var ttl = TimeSpan.FromMilliseconds(int.Parse(ttlMs));
var consumerOptions = Options.Create(new ConsumerOptions
{
    WorkerId = workerId,
    BatchSize = int.Parse(batchSize),
    PollInterval = TimeSpan.FromMilliseconds(200),
    HeartbeatTimeToLive = ttl,
    HeartbeatInterval = ttl / 4,
    ShutdownGracePeriod = TimeSpan.FromMilliseconds(500)
});
var queueOptions = Options.Create(new QueueOptions { MaxRecoveries = int.Parse(maxRecoveries) });
var queue = new TaskQueue(redis, queueOptions, TimeProvider.System);
var consumer = new QueueConsumer(queue, new WorkerRegistry(redis), consumerOptions, TimeProvider.System,
    NullLogger<QueueConsumer>.Instance, new CrashingProcessor(behaviour, workerId));
using var stopping = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stopping.Cancel();
});
await consumer.RunAsync(stopping.Token);
Console.WriteLine("STOPPED");
return 0;

internal sealed class CrashingProcessor(string behaviour, string workerId) : ITaskProcessor
{
    public async Task<IReadOnlyDictionary<string, TaskOutcome>> ProcessAsync(IReadOnlyList<QueuedTask> tasks, CancellationToken cancellationToken)
    {
        if (behaviour == "hang")
        {
            Console.WriteLine("TOOK " + string.Join(',', tasks.Select(t => t.TaskId)));
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        if (tasks.Any(t => t.ProductId == "poison"))
        {
            Console.WriteLine("CRASH");
            Process.GetCurrentProcess().Kill();
        }

        return tasks.ToDictionary(t => t.TaskId, _ => TaskOutcome.Success(new Dictionary<string, string> { ["worker"] = workerId }));
    }
}
