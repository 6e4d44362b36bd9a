using System.Diagnostics;
using ImageSearch.Benchmarks.Topology;
using ImageSearch.Indexing.Queue;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ImageSearch.Benchmarks;

/// <summary>
/// Tasks per second through the queue: enqueue one at a time and in batches, then take + finish (dequeue + ack)
/// with a processor that does nothing, at batch sizes 1, 10 and 100, with one and four consumers. Runs against a redis-server it
/// starts (no persistence), or the server given by <c>--connection "host:port,password=..."</c>. Beside each figure it
/// prints the CPU seconds this process and (when it started it) the server spent, to tell which side bounds it.
/// </summary>
public sealed class QueueBenchmark : IBenchmark
{
    public string Name => "queue";

    public string Description => "task queue throughput: enqueue single/batch, dequeue+ack at batch 1/10/100, 1 and 4 consumers [--connection CS] [--tasks N]";

    public async Task<int> RunAsync(string[] args)
    {
        var connection = Option(args, "--connection");
        var tasks = int.Parse(Option(args, "--tasks") ?? "20000");
        var runDirectory = Directory.CreateTempSubdirectory("imagesearch-bench-queue-").FullName;
        await using var server = connection is null ? await RedisServer.StartAsync("redis", runDirectory, appendOnly: false) : null;
        _server = server;
        connection ??= server!.ConnectionString;
        Console.WriteLine($"server: {(server is null ? connection.Split(',')[0] : "redis-server started here, no persistence")}, tasks per run: {tasks}");

        await using var redis = await ConnectionMultiplexer.ConnectAsync(connection + ",allowAdmin=true");
        var queue = new TaskQueue(redis, Options.Create(new QueueOptions()), TimeProvider.System);

        // Untimed, as the BullMQ harness warms up before it measures (2,000 adds, then processes them): the JIT
        // compiles and tiers up the enqueue, take and finish paths, and the server caches the scripts.
        await Reset(redis);
        for (var i = 0; i < WarmUpTasks; i++)
        {
            await queue.EnqueueAsync(Task(i));
        }

        await ConsumeAll(connection, queue, 10, 1, WarmUpTasks);

        await Reset(redis);
        await Measure("enqueue, one at a time, 1 caller", tasks / 4, async n =>
        {
            for (var i = 0; i < n; i++)
            {
                await queue.EnqueueAsync(Task(i));
            }
        });

        await Reset(redis);
        await Measure("enqueue, one at a time, 32 concurrent callers", tasks, n =>
            System.Threading.Tasks.Task.WhenAll(Enumerable.Range(0, 32).Select(async caller =>
            {
                for (var i = caller; i < n; i += 32)
                {
                    await queue.EnqueueAsync(Task(i));
                }
            })));

        foreach (var size in new[] { 100, 1000 })
        {
            await Reset(redis);
            await Measure($"enqueue, batches of {size}, 1 caller", tasks, async n =>
            {
                for (var i = 0; i < n; i += size)
                {
                    await queue.EnqueueBatchAsync([.. Enumerable.Range(i, Math.Min(size, n - i)).Select(Task)]);
                }
            });
        }

        foreach (var (batchSize, consumers) in new[] { (1, 1), (10, 1), (100, 1), (1, 4), (10, 4), (100, 4) })
        {
            await Reset(redis);
            for (var i = 0; i < tasks; i += 1000)
            {
                await queue.EnqueueBatchAsync([.. Enumerable.Range(i, Math.Min(1000, tasks - i)).Select(Task)]);
            }

            await Measure($"dequeue + ack, batch {batchSize}, {consumers} consumer(s), no-op processor", tasks,
                n => ConsumeAll(connection, queue, batchSize, consumers, n));
        }

        return 0;
    }

    private static async Task ConsumeAll(string connection, TaskQueue queue, int batchSize, int consumers, int expected)
    {
        using var stop = new CancellationTokenSource();
        var connections = new List<ConnectionMultiplexer>();
        var runs = new List<Task>();
        for (var i = 0; i < consumers; i++)
        {
            // One connection each: BLMOVE holds its connection while it waits.
            var own = await ConnectionMultiplexer.ConnectAsync(connection);
            connections.Add(own);
            var consumer = new QueueConsumer(
                new TaskQueue(own, Options.Create(new QueueOptions()), TimeProvider.System),
                new WorkerRegistry(own),
                Options.Create(new ConsumerOptions { WorkerId = $"bench-{i}", BatchSize = batchSize, PollInterval = TimeSpan.FromMilliseconds(100) }),
                TimeProvider.System, NullLogger<QueueConsumer>.Instance, new NoOpProcessor());
            runs.Add(consumer.RunAsync(stop.Token));
        }

        while ((await queue.GetStatsAsync()).Completed < expected)
        {
            await System.Threading.Tasks.Task.Delay(20);
        }

        await stop.CancelAsync();
        await System.Threading.Tasks.Task.WhenAll(runs);
        foreach (var own in connections)
        {
            await own.DisposeAsync();
        }
    }

    private const int WarmUpTasks = 2000;

    private RedisServer? _server;

    private async Task Measure(string what, int count, Func<int, Task> run)
    {
        var client = Process.GetCurrentProcess().TotalProcessorTime;
        var server = _server?.Process.Usage.CpuSeconds;
        var stopwatch = Stopwatch.StartNew();
        await run(count);
        stopwatch.Stop();
        var cpu = $"client {(Process.GetCurrentProcess().TotalProcessorTime - client).TotalSeconds:0.00} s CPU" +
            (server is { } before ? $", server {_server!.Process.Usage.CpuSeconds - before:0.00} s" : "");
        Console.WriteLine($"{what,-62} {count / stopwatch.Elapsed.TotalSeconds,10:N0} tasks/s  ({count} in {stopwatch.Elapsed.TotalSeconds:0.00} s; {cpu})");
    }

    private static async Task Reset(ConnectionMultiplexer redis)
    {
        foreach (var endpoint in redis.GetEndPoints())
        {
            await redis.GetServer(endpoint).FlushAllDatabasesAsync();
        }
    }

    private static NewTask Task(int i) =>
        new($"product-{i}", $"images/{i % 1000}/{i}.jpg", null, $"Product {i}", "benchmark task",
            new Dictionary<string, string> { ["category"] = "shoes", ["price"] = "19.99" });

    private static string? Option(string[] args, string name) =>
        args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

    private sealed class NoOpProcessor : ITaskProcessor
    {
        public Task<IReadOnlyDictionary<string, TaskOutcome>> ProcessAsync(IReadOnlyList<QueuedTask> tasks, CancellationToken cancellationToken) =>
            System.Threading.Tasks.Task.FromResult<IReadOnlyDictionary<string, TaskOutcome>>(
                tasks.ToDictionary(t => t.TaskId, _ => TaskOutcome.Success()));
    }
}
