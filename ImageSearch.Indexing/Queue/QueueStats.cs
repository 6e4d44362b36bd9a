namespace ImageSearch.Indexing.Queue;

/// <summary>
/// Where the tasks are now (pending, processing, delayed, dead) and the counters since the queue began (they never
/// expire). <see cref="Failed"/> counts the tasks in the dead-letter list's history: a dead letter requeued no longer
/// counts. <see cref="Refused"/> counts outcomes a worker sent under a lease that had lapsed. <see cref="ThroughputPerSecond"/> is the completion rate over the last minute.
/// </summary>
public sealed record QueueStats(
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
    double ThroughputPerSecond);
