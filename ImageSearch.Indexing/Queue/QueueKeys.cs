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

    public static string Task(string taskId) => $"task:{taskId}";

    public static string WorkerStatus(string workerId) => $"worker_status:{workerId}";
}
