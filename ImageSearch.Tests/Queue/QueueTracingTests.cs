using System.Diagnostics;
using ImageSearch.Indexing.Queue;
using ImageSearch.Tests.Infrastructure;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace ImageSearch.Tests.Queue;

// One trace from the enqueuing request to the worker's span for the task, carried by OpenTelemetry's propagator.
public class QueueTracingTests
{
    [Theory]
    [ClassData(typeof(QueueServers))]
    public async Task The_workers_span_for_a_task_continues_the_trace_of_its_enqueue_whose_context_and_baggage_are_stored(RedisServerKind kind)
    {
        var spans = new List<Activity>();
        // As in the services: the SDK installs the W3C trace-context and baggage propagators.
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(QueueTelemetry.Name).AddInMemoryExporter(spans).Build();
        await using var test = await QueueTestServer.StartAsync(kind);
        var queue = test.Queue();

        var caller = new Activity("request").SetIdFormat(ActivityIdFormat.W3C);
        caller.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        caller.Start();
        caller.TraceStateString = "vendor=1";
        Baggage.SetBaggage("tenant", "acme");
        var taskId = (await queue.EnqueueAsync(new NewTask("p-trace", "a.jpg", null))).TaskId;
        Baggage.ClearBaggage();
        caller.Stop();

        var stored = (string)(await test.Db.HashGetAsync(QueueKeys.Task(taskId), "request"))!;
        Assert.Contains("vendor=1", stored);
        Assert.Contains("tenant=acme", stored);
        Assert.StartsWith($"00-{caller.TraceId}-", (await queue.GetAsync(taskId))!.TraceParent);

        var consumer = await test.ConsumerAsync("tracer", new CountingProcessor());
        using var stop = new CancellationTokenSource();
        var run = consumer.RunAsync(stop.Token);
        await Eventually.HoldsAsync(async () => (await queue.GetAsync(taskId))!.Status == TaskStatuses.Completed, "the task is completed");
        await stop.CancelAsync();
        await run;
        tracing.ForceFlush();

        var enqueue = Assert.Single(spans, a => a.OperationName == "enqueue tasks" && a.TraceId == caller.TraceId);
        var process = Assert.Single(spans, a => a.OperationName == "process task" && (string?)a.GetTagItem("imagesearch.task.id") == taskId
            && (string?)a.GetTagItem("imagesearch.worker.id") == "tracer");
        Assert.Equal(ActivityKind.Producer, enqueue.Kind);
        Assert.Equal(ActivityKind.Consumer, process.Kind);
        Assert.Equal(caller.TraceId, process.TraceId);
        Assert.Equal(enqueue.SpanId, process.ParentSpanId);
        Assert.Equal("p-trace", process.GetTagItem("imagesearch.product.id"));
    }

    [Fact]
    public async Task A_refused_task_adds_nothing_and_leaves_no_enqueue_span()
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(QueueTelemetry.Name).AddInMemoryExporter(spans).Build();
        await using var test = await QueueTestServer.StartAsync(RedisServerKind.Garnet);
        var queue = test.Queue();

        await Assert.ThrowsAsync<ArgumentException>(() => queue.EnqueueAsync(new NewTask("p-bad", "../escape.jpg", null)));
        // One bad task refuses the whole batch, before anything reaches Redis.
        await Assert.ThrowsAsync<ArgumentException>(() => queue.EnqueueBatchAsync([new NewTask("p-good", "a.jpg", null), new NewTask(" ", "b.jpg", null)]));
        tracing.ForceFlush();

        Assert.DoesNotContain(spans, span => span.OperationName == "enqueue tasks");
        Assert.Equal(0, await test.Db.ListLengthAsync(QueueKeys.Pending));
    }
}
