using System.Diagnostics;
using System.Diagnostics.Metrics;
using ImageSearch.Indexing.Telemetry;

namespace ImageSearch.Indexing.Queue;

/// <summary>The queue's spans and metrics, under the name every ImageSearch component reports with.</summary>
public static class QueueTelemetry
{
    public const string Name = ImageSearchTelemetry.Name;

    public static ActivitySource ActivitySource => ImageSearchTelemetry.ActivitySource;

    private static Meter Meter => ImageSearchTelemetry.Meter;

    public static readonly Counter<long> TasksCompleted =
        Meter.CreateCounter<long>("imagesearch.queue.tasks.completed", "{task}", "Tasks completed.");

    public static readonly Counter<long> TasksFailed =
        Meter.CreateCounter<long>("imagesearch.queue.tasks.failed", "{task}", "Tasks sent to the dead-letter list.");

    public static readonly Counter<long> TasksRetried =
        Meter.CreateCounter<long>("imagesearch.queue.tasks.retried", "{task}", "Transient failures scheduled for a retry.");

    public static readonly Counter<long> OutcomesRefused =
        Meter.CreateCounter<long>("imagesearch.queue.outcomes.refused", "{task}", "Outcomes refused because the task's lease had lapsed (it went back to the queue).");

    public static readonly Histogram<double> ProcessingDuration =
        Meter.CreateHistogram<double>("imagesearch.queue.task.duration", "s", "Time from taking a task to its completion.");

    public static readonly Histogram<int> BatchSize =
        Meter.CreateHistogram<int>("imagesearch.queue.batch.size", "{task}", "Tasks taken per batch.");

    // Gauges read the figures last fetched (a worker's heartbeat, the API's QueueStatsPublisher), since a gauge
    // callback cannot await Redis.
    private static QueueStats? _lastStats;

    private static readonly AsyncLocal<IReadOnlyDictionary<string, ActivityContext>?> TaskSpans = new();

    static QueueTelemetry()
    {
        Meter.CreateObservableGauge("imagesearch.queue.length", () => _lastStats?.Pending ?? 0, "{task}", "Tasks waiting in the queue.");
        Meter.CreateObservableGauge("imagesearch.queue.processing", () => _lastStats?.Processing ?? 0, "{task}", "Tasks taken by workers and not yet finished.");
        Meter.CreateObservableGauge("imagesearch.queue.delayed", () => _lastStats?.Delayed ?? 0, "{task}", "Tasks waiting for a retry.");
        Meter.CreateObservableGauge("imagesearch.queue.dead", () => _lastStats?.Dead ?? 0, "{task}", "Tasks in the dead-letter list.");
    }

    public static void Observe(QueueStats stats) => _lastStats = stats;

    /// <summary>The consumer's "process task" span of <paramref name="task"/> while its batch is with the processor; default otherwise.</summary>
    public static ActivityContext SpanOf(QueuedTask task) =>
        TaskSpans.Value?.GetValueOrDefault(task.TaskId) ?? default;

    /// <summary>The attributes every span about <paramref name="task"/> carries.</summary>
    public static IReadOnlyList<KeyValuePair<string, object?>> TagsOf(QueuedTask task) =>
    [
        new(ImageSearchTelemetry.TaskIdTag, task.TaskId),
        new(ImageSearchTelemetry.ProductIdTag, task.ProductId)
    ];

    /// <summary>Until disposed, <see cref="SpanOf"/> answers with these spans (task id to span).</summary>
    internal static IDisposable UseTaskSpans(IReadOnlyDictionary<string, ActivityContext> spans)
    {
        var previous = TaskSpans.Value;
        TaskSpans.Value = spans;
        return new Restore(() => TaskSpans.Value = previous);
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}
