using System.ComponentModel.DataAnnotations;

namespace ImageSearch.Indexing.Queue;

/// <summary>How the queue treats failures and finished tasks, bound from the <c>Queue</c> section.</summary>
public sealed class QueueOptions
{
    public const string SectionName = "Queue";

    /// <summary>Delay before the first retry; each further retry doubles it, up to <see cref="RetryMaxDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Share of each backoff delay drawn at random (0 to 1), so tasks that failed together do not
    /// retry together: the delay lies in [d × (1 − jitter), d].
    /// </summary>
    [Range(0.0, 1.0)]
    public double RetryJitter { get; set; } = 0.5;

    /// <summary>Attempts a task gets before a transient failure sends it to the dead-letter list.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Times a task may be taken back from a worker that died holding it before it is dead-lettered as poison.</summary>
    [Range(0, 100)]
    public int MaxRecoveries { get; set; } = 3;

    /// <summary>How long completed and cancelled task records are kept. Dead letters stay until requeued or flushed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(1);
}
