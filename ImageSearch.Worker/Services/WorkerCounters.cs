namespace ImageSearch.Worker.Services;

/// <summary>This worker's running totals, reported with every heartbeat.</summary>
public sealed class WorkerCounters
{
    private long _tasksProcessed;
    private long _tasksFailed;

    public long TasksProcessed => Interlocked.Read(ref _tasksProcessed);

    public long TasksFailed => Interlocked.Read(ref _tasksFailed);

    public string Status { get; set; } = "idle";

    public void TaskProcessed() => Interlocked.Increment(ref _tasksProcessed);

    public void TaskFailed() => Interlocked.Increment(ref _tasksFailed);
}
