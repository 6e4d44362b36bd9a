using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;

namespace ImageSearch.Indexing.Queue;

/// <summary>
/// The fields of a task's hash, and the two views read from it: what a worker needs (<see cref="QueuedTask"/>, from the
/// row moveToActive returns) and the operator's full record (<see cref="TaskRecord"/>, from every field). The request is
/// one JSON field (<see cref="TaskRequest"/>); the rest is where the task is now.
/// </summary>
internal static class TaskHash
{
    public const string Request = "request";
    public const string History = "history";

    private static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>().AsReadOnly();

    /// <param name="row">What moveToActive returns per task: id, attempt, sequence, request.</param>
    public static QueuedTask ToQueuedTask(RedisResult[] row)
    {
        var request = TaskRequest.Parse((string)row[3]!);
        return new QueuedTask(
            (string)row[0]!,
            request.ProductId,
            request.ImagePath,
            request.ImageUrl,
            request.Name,
            request.Description,
            request.Metadata ?? None,
            request.CreatedAt,
            (int)row[1],
            row[2].IsNull ? 0 : (long)row[2],
            request.TraceContext ?? None);
    }

    public static TaskRecord ToRecord(IReadOnlyDictionary<string, string> f, DateTimeOffset? leaseExpiresAt)
    {
        var request = TaskRequest.Parse(f[Request]);
        return new TaskRecord(
            f["task_id"],
            request.ProductId,
            request.ImagePath,
            request.ImageUrl,
            request.Name,
            request.Description,
            request.Metadata ?? None,
            f["status"],
            request.CreatedAt,
            Int(f.GetValueOrDefault("attempts")),
            Int(f.GetValueOrDefault("recoveries")),
            long.Parse(f.GetValueOrDefault("sequence", "0"), CultureInfo.InvariantCulture),
            f.GetValueOrDefault("worker_id"),
            Time(f.GetValueOrDefault("started_at")),
            f.GetValueOrDefault("status") == TaskStatuses.Processing ? leaseExpiresAt : null,
            Time(f.GetValueOrDefault("finished_at")),
            Time(f.GetValueOrDefault("next_attempt_at")),
            f.TryGetValue("duration_ms", out var duration) ? long.Parse(duration, CultureInfo.InvariantCulture) : null,
            f.TryGetValue("result", out var result) ? Strings(result) : null,
            f.GetValueOrDefault("error"),
            request.TraceContext?.GetValueOrDefault("traceparent"),
            TaskHistoryEntry.ParseAll(f.GetValueOrDefault(History)));
    }

    public static Dictionary<string, string> ToDictionary(RedisResult[] pairs)
    {
        var fields = new Dictionary<string, string>(pairs.Length / 2);
        for (var i = 0; i + 1 < pairs.Length; i += 2)
        {
            fields[(string)pairs[i]!] = (string)pairs[i + 1]!;
        }

        return fields;
    }

    /// <summary>A JSON object of strings (a result), stored as one field.</summary>
    public static string Json(IReadOnlyDictionary<string, string> values) => values.Count == 0 ? "{}" : JsonSerializer.Serialize(values);

    private static IReadOnlyDictionary<string, string> Strings(string? json) =>
        string.IsNullOrEmpty(json) || json == "{}" ? None : JsonSerializer.Deserialize<Dictionary<string, string>>(json)!;

    private static int Int(string? value) => string.IsNullOrEmpty(value) ? 0 : int.Parse(value, CultureInfo.InvariantCulture);

    private static DateTimeOffset? Time(string? value) =>
        string.IsNullOrEmpty(value) ? null : DateTimeOffset.Parse(value, CultureInfo.InvariantCulture);
}
