using System.Diagnostics;
using System.Runtime.InteropServices;
using ImageSearch.Indexing.Queue;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

// A worker process for the crash and soak tests. Arguments: connection string, worker id, batch size, lease (ms),
// max recoveries, and a behaviour:
//   hang   - report the ids of the batch taken ("TOOK id,id") and never finish it (to be killed, or
//            stopped with SIGTERM: the consumer then returns the batch after a 500 ms grace period)
//   poison - kill itself when a batch holds a task of product "poison", complete the others
//   work   - complete every task after 40 to 80 ms of work each
if (args is not [var connection, var workerId, var batchSize, var leaseMs, var maxRecoveries, var behaviour])
{
    Console.Error.WriteLine("usage: connection worker-id batch-size lease-ms max-recoveries hang|poison|work");
    return 2;
}

await using var redis = await ConnectionMultiplexer.ConnectAsync(connection);
var lease = TimeSpan.FromMilliseconds(int.Parse(leaseMs));
var consumerOptions = Options.Create(new ConsumerOptions
{
    WorkerId = workerId,
    BatchSize = int.Parse(batchSize),
    PollInterval = TimeSpan.FromMilliseconds(200),
    LeaseDuration = lease,
    HeartbeatTimeToLive = TimeSpan.FromSeconds(5),
    HeartbeatInterval = TimeSpan.FromSeconds(1),
    ShutdownGracePeriod = TimeSpan.FromMilliseconds(500)
});
var queueOptions = Options.Create(new QueueOptions { MaxRecoveries = int.Parse(maxRecoveries) });
var queue = new TaskQueue(redis, queueOptions, TimeProvider.System);
var consumer = new QueueConsumer(queue, new WorkerRegistry(redis), consumerOptions, TimeProvider.System,
    NullLogger<QueueConsumer>.Instance, new TestProcessor(behaviour, workerId));
using var stopping = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stopping.Cancel();
});
Console.WriteLine("STARTED");
await consumer.RunAsync(stopping.Token);
Console.WriteLine("STOPPED");
return 0;

internal sealed class TestProcessor(string behaviour, string workerId) : ITaskProcessor
{
    public async Task<IReadOnlyDictionary<string, TaskOutcome>> ProcessAsync(IReadOnlyList<QueuedTask> tasks, CancellationToken cancellationToken)
    {
        switch (behaviour)
        {
            case "hang":
                Console.WriteLine("TOOK " + string.Join(',', tasks.Select(t => t.TaskId)));
                await Task.Delay(Timeout.Infinite, cancellationToken);
                break;
            case "poison" when tasks.Any(t => t.ProductId == "poison"):
                Console.WriteLine("CRASH");
                Process.GetCurrentProcess().Kill();
                break;
            case "work":
                await Task.Delay(tasks.Sum(_ => Random.Shared.Next(40, 80)), cancellationToken);
                break;
        }

        return tasks.ToDictionary(t => t.TaskId, _ => TaskOutcome.Success(new Dictionary<string, string> { ["worker"] = workerId }));
    }
}
