namespace ImageSearch.Api.Model;

/// <summary>
/// The original's fields (queue_length, active_workers, total_workers, total_tasks_processed,
/// total_tasks_failed, success_rate as a percentage) and where every task is now.
/// </summary>
public sealed record QueueStatsResponse(
    long QueueLength,
    int ActiveWorkers,
    int TotalWorkers,
    long TotalTasksProcessed,
    long TotalTasksFailed,
    double SuccessRate,
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
    double ThroughputPerSecond);
