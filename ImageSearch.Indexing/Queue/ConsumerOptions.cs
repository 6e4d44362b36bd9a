using System.ComponentModel.DataAnnotations;

namespace ImageSearch.Indexing.Queue;

/// <summary>
/// One worker's settings, bound from the <c>Worker</c> section; the original's environment variables
/// (<c>WORKER_POLL_INTERVAL</c>, <c>WORKER_BATCH_SIZE</c>, <c>TASK_TIMEOUT</c>, <c>--worker-id</c>) override it.
/// </summary>
public sealed class ConsumerOptions
{
    public const string SectionName = "Worker";

    /// <summary>Stable for the life of the process; from <c>--worker-id</c> when given.</summary>
    [Required]
    [RegularExpression(@"^[A-Za-z0-9._:\-]{1,128}$", ErrorMessage = "The worker id may use letters, digits and . _ : - only.")]
    public string WorkerId { get; set; } = "";

    /// <summary>How long a dequeue blocks waiting for the first task (WORKER_POLL_INTERVAL, seconds).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most tasks taken per dequeue (WORKER_BATCH_SIZE).</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 1;

    /// <summary>
    /// Longest one call of the processor may take (TASK_TIMEOUT, seconds): then it is cancelled, its tasks fail as transient
    /// once it has stopped, and a processor that ignores the cancellation for another lease duration is abandoned.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan TaskTimeout { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>
    /// How long a task taken stays this worker's without a renewal. The worker renews the leases of the tasks in hand
    /// every third of it; a task whose lease lapses (its worker died, hung or lost touch) goes back to the queue.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the worker reports itself for <c>GET /queue/workers</c>; heartbeats no longer decide who owns a task.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a heartbeat lives: a worker silent for this long is no longer listed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan HeartbeatTimeToLive { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>After SIGTERM, how long the batch in hand may run before its tasks are returned to the queue.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(20);
}
