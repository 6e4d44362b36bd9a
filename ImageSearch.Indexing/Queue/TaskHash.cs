using System.Globalization;
using System.Text.Json;
using StackExchange.Redis;

namespace ImageSearch.Indexing.Queue;

/// <summary>
/// The fields of a task's hash, and the two views read from it: what a worker needs (<see cref="QueuedTask"/>, read
/// with HMGET in the order of <see cref="WorkerFields"/>) and the operator's full record (<see cref="TaskRecord"/>).
/// </summary>
internal static class TaskHash
{
    public const string TaskId = "task_id";
    public const string ProductId = "product_id";
    public const string ImagePath = "image_path";
    public const string ImageUrl = "image_url";
    public const string Name = "name";
    public const string Description = "description";
    public const string Metadata = "metadata";
    public const string CreatedAt = "created_at";
    public const string Attempts = "attempts";
    public const string Sequence = "sequence";
    public const string TraceContext = "trace_context";

    /// <summary>What moveToActive returns for each task it takes, in this order.</summary>
    public static readonly RedisValue[] WorkerFields =
        [TaskId, ProductId, ImagePath, ImageUrl, Name, Description, Metadata, CreatedAt, Attempts, Sequence, TraceContext];

    public static QueuedTask ToQueuedTask(RedisResult[] values) => new(
        (string)values[0]!,
        (string)values[1]!,
        Optional(values[2]),
        Optional(values[3]),
        Optional(values[4]),
        Optional(values[5]),
        Strings(Optional(values[6])),
        DateTimeOffset.Parse((string)values[7]!, CultureInfo.InvariantCulture),
        (int)values[8],
        values[9].IsNull ? 0 : (long)values[9],
        Strings(Optional(values[10])));

    public static TaskRecord ToRecord(IReadOnlyDictionary<string, string> f, IEnumerable<string> history, DateTimeOffset? leaseExpiresAt) => new(
        f[TaskId],
        f[ProductId],
        f.GetValueOrDefault(ImagePath),
        f.GetValueOrDefault(ImageUrl),
        f.GetValueOrDefault(Name),
        f.GetValueOrDefault(Description),
        Strings(f.GetValueOrDefault(Metadata)),
        f["status"],
        DateTimeOffset.Parse(f[CreatedAt], CultureInfo.InvariantCulture),
        Int(f.GetValueOrDefault(Attempts)),
        Int(f.GetValueOrDefault("recoveries")),
        long.Parse(f.GetValueOrDefault(Sequence, "0"), CultureInfo.InvariantCulture),
        f.GetValueOrDefault("worker_id"),
        Time(f.GetValueOrDefault("started_at")),
        f.GetValueOrDefault("status") == TaskStatuses.Processing ? leaseExpiresAt : null,
        Time(f.GetValueOrDefault("finished_at")),
        Time(f.GetValueOrDefault("next_attempt_at")),
        f.TryGetValue("duration_ms", out var duration) ? long.Parse(duration, CultureInfo.InvariantCulture) : null,
        f.TryGetValue("result", out var result) ? Strings(result) : null,
        f.GetValueOrDefault("error"),
        Strings(f.GetValueOrDefault(TraceContext)).GetValueOrDefault("traceparent"),
        history.Select(TaskHistoryEntry.Parse).ToList());

    public static Dictionary<string, string> ToDictionary(RedisResult[] pairs)
    {
        var fields = new Dictionary<string, string>(pairs.Length / 2);
        for (var i = 0; i + 1 < pairs.Length; i += 2)
        {
            fields[(string)pairs[i]!] = (string)pairs[i + 1]!;
        }

        return fields;
    }

    /// <summary>A JSON object of strings (metadata, a result, a trace context), stored as one field.</summary>
    public static string Json(IReadOnlyDictionary<string, string> values) => JsonSerializer.Serialize(values);

    private static IReadOnlyDictionary<string, string> Strings(string? json) =>
        string.IsNullOrEmpty(json) ? new Dictionary<string, string>() : JsonSerializer.Deserialize<Dictionary<string, string>>(json)!;

    private static string? Optional(RedisResult value) => value.IsNull || (string?)value is "" ? null : (string?)value;

    private static int Int(string? value) => string.IsNullOrEmpty(value) ? 0 : int.Parse(value, CultureInfo.InvariantCulture);

    private static DateTimeOffset? Time(string? value) =>
        string.IsNullOrEmpty(value) ? null : DateTimeOffset.Parse(value, CultureInfo.InvariantCulture);
}
