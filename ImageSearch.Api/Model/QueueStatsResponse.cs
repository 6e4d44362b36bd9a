namespace ImageSearch.Api.Model;

/// <summary>
/// The original's fields (queue_length, active_workers: the live workers, busy or idle, as the original counted them;
/// total_workers, total_tasks_processed, total_tasks_failed, success_rate as a percentage), the busy workers, where
/// every task is now and the counters since the queue began, and the last re-index's progress (null if none ran).
/// </summary>
public sealed record QueueStatsResponse(
    long QueueLength,
    int ActiveWorkers,
    int TotalWorkers,
    long TotalTasksProcessed,
    long TotalTasksFailed,
    double SuccessRate,
    int BusyWorkers,
    long Pending,
    long Processing,
    long Delayed,
    long Dead,
    long Enqueued,
    long Completed,
    long Failed,
    long Retried,
    long Recovered,
    long Poisoned,
    long Requeued,
    long Cancelled,
    long Flushed,
    long Refused,
    double ThroughputPerSecond,
    ReindexProgress? Reindex);
