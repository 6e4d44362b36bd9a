using System.Collections.Concurrent;
using System.Diagnostics;
using ImageSearch.Indexing.Queue;
using ImageSearch.Tests.Infrastructure;

namespace ImageSearch.Tests.Queue;

// One trace from the enqueuing request to the worker's span for the task.
public class QueueTracingTests
{
    [Theory]
    [InlineData(RedisServerKind.Redis)]
    [InlineData(RedisServerKind.Garnet)]
    public async Task The_workers_span_for_a_task_continues_the_trace_of_its_enqueue(RedisServerKind kind)
    {
        var stopped = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == QueueTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Add
        };
        ActivitySource.AddActivityListener(listener);
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();

        var caller = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start();
        var taskId = (await queue.EnqueueAsync(new NewTask("p-trace", "a.jpg", null))).TaskId;
        caller.Stop();

        var consumer = await test.ConsumerAsync("tracer", new CountingProcessor());
        using var stop = new CancellationTokenSource();
        var run = consumer.RunAsync(stop.Token);
        await Eventually.HoldsAsync(async () => (await queue.GetAsync(taskId))!.Status == TaskStatuses.Completed, "the task is completed");
        await stop.CancelAsync();
        await run;

        var enqueue = Assert.Single(stopped, a => a.OperationName == "enqueue tasks" && a.TraceId == caller.TraceId);
        var process = Assert.Single(stopped, a => a.OperationName == "process task" && (string?)a.GetTagItem("imagesearch.task.id") == taskId);
        Assert.Equal(ActivityKind.Producer, enqueue.Kind);
        Assert.Equal(ActivityKind.Consumer, process.Kind);
        Assert.Equal(caller.TraceId, process.TraceId);
        Assert.Equal(enqueue.SpanId, process.ParentSpanId);
        Assert.Equal("tracer", process.GetTagItem("imagesearch.worker.id"));
        Assert.Equal("p-trace", process.GetTagItem("imagesearch.product.id"));
    }
}
