using System.Text.Json;

namespace ImageSearch.Indexing.Queue;

/// <summary>
/// One event in a task's life: enqueued, started, completed, retry_scheduled, retry_due, dead, recovered (its lease
/// lapsed), refused (an outcome sent under a lapsed lease), returned, cancelled, requeued. The scripts write them (Scripts/includes/addHistory.lua); this reads them.
/// </summary>
public sealed record TaskHistoryEntry(
    DateTimeOffset At,
    string Event,
    string? WorkerId = null,
    int? Attempt = null,
    string? Error = null,
    DateTimeOffset? RetryAt = null)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static TaskHistoryEntry Parse(string json) => JsonSerializer.Deserialize<TaskHistoryEntry>(json, Json)!;
}
