namespace ImageSearch.Indexing.Queue;

/// <summary>This worker's running totals, reported with every heartbeat.</summary>
public sealed class WorkerCounters
{
    private long _tasksProcessed;
    private long _tasksFailed;

    public long TasksProcessed => Interlocked.Read(ref _tasksProcessed);

    /// <summary>Tasks this worker sent to the dead-letter list (retried failures are not counted).</summary>
    public long TasksFailed => Interlocked.Read(ref _tasksFailed);

    /// <summary>starting, idle, processing or stopping.</summary>
    public string Status { get; set; } = "starting";

    public void TaskProcessed() => Interlocked.Increment(ref _tasksProcessed);

    public void TaskFailed() => Interlocked.Increment(ref _tasksFailed);
}
