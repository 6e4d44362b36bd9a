using System.Text.Json;

namespace ImageSearch.Indexing.Queue;

/// <summary>
/// One event in a task's life: enqueued, started, completed, retry_scheduled, retry_due, dead, recovered (its lease
/// lapsed), refused (an outcome sent under a lapsed lease), returned, cancelled, requeued. The scripts write them into the task's
/// <c>history</c> field (Scripts/includes/appendHistory.lua); this reads them.
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

    /// <summary>The entries of a task's <c>history</c> field, a JSON array, oldest first.</summary>
    public static IReadOnlyList<TaskHistoryEntry> ParseAll(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<List<TaskHistoryEntry>>(json, Json)!;
}
