namespace ImageSearch.Indexing.Queue;

/// <summary>
/// Where the tasks are now (pending, processing, delayed, dead) and the counters since the queue began
/// (they never expire). <see cref="ThroughputPerSecond"/> is the completion rate over the last minute.
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
    double ThroughputPerSecond);
