using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ImageSearch.Indexing.Queue;

/// <summary>The queue's spans and metrics, under the name every ImageSearch component reports with.</summary>
public static class QueueTelemetry
{
    public const string Name = "ImageSearch";

    public static readonly ActivitySource ActivitySource = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> TasksCompleted =
        Meter.CreateCounter<long>("imagesearch.queue.tasks.completed", "{task}", "Tasks completed.");

    public static readonly Counter<long> TasksFailed =
        Meter.CreateCounter<long>("imagesearch.queue.tasks.failed", "{task}", "Tasks sent to the dead-letter list.");

    public static readonly Counter<long> TasksRetried =
        Meter.CreateCounter<long>("imagesearch.queue.tasks.retried", "{task}", "Transient failures scheduled for a retry.");

    public static readonly Histogram<double> ProcessingDuration =
        Meter.CreateHistogram<double>("imagesearch.queue.task.duration", "s", "Time from dequeue to completion of a task.");

    public static readonly Histogram<int> BatchSize =
        Meter.CreateHistogram<int>("imagesearch.queue.batch.size", "{task}", "Tasks taken per dequeue.");

    // Gauges read the figures a consumer last fetched (each heartbeat), since a gauge callback cannot await Redis.
    private static QueueStats? _lastStats;

    static QueueTelemetry()
    {
        Meter.CreateObservableGauge("imagesearch.queue.pending", () => _lastStats?.Pending ?? 0, "{task}", "Tasks waiting in the pending list.");
        Meter.CreateObservableGauge("imagesearch.queue.processing", () => _lastStats?.Processing ?? 0, "{task}", "Tasks taken by workers and not yet finished.");
        Meter.CreateObservableGauge("imagesearch.queue.delayed", () => _lastStats?.Delayed ?? 0, "{task}", "Tasks waiting for a retry.");
        Meter.CreateObservableGauge("imagesearch.queue.dead", () => _lastStats?.Dead ?? 0, "{task}", "Tasks in the dead-letter list.");
    }

    public static void Observe(QueueStats stats) => _lastStats = stats;
}
