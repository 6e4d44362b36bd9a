using System.ComponentModel.DataAnnotations;

namespace ImageSearch.Worker;

/// <summary>Worker settings, bound from the <c>Worker</c> section (see README for every setting).</summary>
public sealed class WorkerOptions
{
    public const string SectionName = "Worker";

    /// <summary>Stable for the life of the process; from <c>--worker-id</c> when given.</summary>
    [Required]
    public string WorkerId { get; set; } = "";

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a heartbeat lives: a worker silent for this long is considered dead.</summary>
    [Range(typeof(TimeSpan), "00:00:02", "01:00:00")]
    public TimeSpan HeartbeatTimeToLive { get; set; } = TimeSpan.FromSeconds(30);
}
