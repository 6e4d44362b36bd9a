using System.Diagnostics;
using ImageSearch.Indexing.Telemetry;

namespace ImageSearch.Indexing.Queue;

/// <summary>
/// The spans of a batch while its processor runs: a "process task" span per task, continuing the trace its enqueue
/// stored, and for several tasks a "process batch" span linked to each (the processor's whole-batch work goes under
/// it; with one task, under the task's span). Disposing ends them and restores the caller's current span.
/// </summary>
internal sealed class TaskSpans : IDisposable
{
    private readonly Activity? _previous;
    private readonly Dictionary<string, Activity> _tasks = [];
    private readonly Activity? _batch;

    private TaskSpans(TaskBatch batch, string workerId)
    {
        _previous = Activity.Current;
        foreach (var task in batch.Tasks)
        {
            var parent = TaskTraceContext.Restore(task.TraceContext).ActivityContext;
            // Without a stored context the task starts a trace of its own, not one under the span started before it.
            Activity.Current = null;
            if (QueueTelemetry.ActivitySource.StartActivity("process task", ActivityKind.Consumer, parent, QueueTelemetry.TagsOf(task)) is { } span)
            {
                span.SetTag(ImageSearchTelemetry.WorkerIdTag, workerId);
                span.SetTag("imagesearch.task.attempt", task.Attempts);
                _tasks[task.TaskId] = span;
            }
        }

        if (batch.Count > 1)
        {
            // A root of its own: its tasks may belong to as many traces as there are tasks.
            Activity.Current = null;
            _batch = QueueTelemetry.ActivitySource.StartActivity("process batch", ActivityKind.Internal, new ActivityContext(),
                links: _tasks.Values.Select(span => new ActivityLink(span.Context)));
            _batch?.SetTag(ImageSearchTelemetry.WorkerIdTag, workerId);
            _batch?.SetTag(ImageSearchTelemetry.BatchSizeTag, batch.Count);
        }

        Activity.Current = batch.Count == 1 ? _tasks.Values.FirstOrDefault() : _batch ?? _previous;
        Contexts = _tasks.ToDictionary(pair => pair.Key, pair => pair.Value.Context);
    }

    /// <summary>Task id to the context of its "process task" span (for <see cref="QueueTelemetry.SpanOf"/>).</summary>
    public IReadOnlyDictionary<string, ActivityContext> Contexts { get; }

    public static TaskSpans Start(TaskBatch batch, string workerId) => new(batch, workerId);

    public static string? ErrorOf(TaskOutcome outcome) => outcome switch
    {
        TaskOutcome.TransientFailure failure => failure.Error,
        TaskOutcome.PermanentFailure failure => failure.Error,
        _ => null
    };

    /// <summary>Marks a failed task's span as an error.</summary>
    public void Record(QueuedTask task, TaskOutcome outcome)
    {
        if (ErrorOf(outcome) is { } error && _tasks.TryGetValue(task.TaskId, out var span))
        {
            span.SetStatus(ActivityStatusCode.Error, error);
        }
    }

    public void Dispose()
    {
        foreach (var span in _tasks.Values)
        {
            span.Dispose();
        }

        _batch?.Dispose();
        Activity.Current = _previous;
    }
}
