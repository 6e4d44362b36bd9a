namespace ImageSearch.Indexing.Queue;

/// <summary>
/// Every Redis key the queue uses. The pending list, task hashes and heartbeats keep the names of the
/// system this replaces (operators run <c>LLEN image_indexing_queue</c>); newer keys live under the
/// queue's name.
/// </summary>
public static class QueueKeys
{
    public const string Pending = "image_indexing_queue";

    /// <summary>Sorted set: worker id by the time of its last heartbeat (ms), so nothing scans keys.</summary>
    public const string Workers = Pending + ":workers";

    /// <summary>Sorted set: task id by the time (ms) its retry is due.</summary>
    public const string Delayed = Pending + ":delayed";

    /// <summary>List of task ids that failed for good (permanent error, last attempt, or poison).</summary>
    public const string Dead = Pending + ":dead";

    /// <summary>Hash of counters that never expire: enqueued, completed, failed, retried, recovered, poisoned.</summary>
    public const string Stats = Pending + ":stats";

    /// <summary>Sorted set: completions of the last minute by time (ms), for the throughput figure.</summary>
    public const string RecentCompletions = Pending + ":recent_completions";

    /// <summary>Hash: "product id + image" of each pending or processing task that asked for idempotency, to its task id.</summary>
    public const string Deduplication = Pending + ":dedup";

    /// <summary>Counter of the tasks completed in one second (Unix time); expires after two minutes.</summary>
    public static string Completions(long unixSecond) => $"{Pending}:completions:{unixSecond}";

    public static string Task(string taskId) => $"task:{taskId}";

    /// <summary>List of JSON entries: every attempt, error, retry and recovery of a task.</summary>
    public static string TaskHistory(string taskId) => $"task:{taskId}:history";

    /// <summary>The tasks a worker has taken and not yet finished (the reliable half of BLMOVE).</summary>
    public static string Processing(string workerId) => $"{Pending}:processing:{workerId}";

    public static string WorkerStatus(string workerId) => $"worker_status:{workerId}";
}
