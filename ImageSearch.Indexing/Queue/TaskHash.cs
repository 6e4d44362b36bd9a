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
    public const string History = "history";

    /// <summary>What moveToActive returns for each task it takes, after the attempt number, in this order.</summary>
    public static readonly RedisValue[] WorkerFields =
        [TaskId, ProductId, ImagePath, ImageUrl, Name, Description, Metadata, CreatedAt, Sequence, TraceContext];

    /// <param name="row">The attempt, then the values of <see cref="WorkerFields"/>.</param>
    public static QueuedTask ToQueuedTask(RedisResult[] row) => new(
        (string)row[1]!,
        (string)row[2]!,
        Optional(row[3]),
        Optional(row[4]),
        Optional(row[5]),
        Optional(row[6]),
        Strings(Optional(row[7])),
        DateTimeOffset.Parse((string)row[8]!, CultureInfo.InvariantCulture),
        (int)row[0],
        row[9].IsNull ? 0 : (long)row[9],
        Strings(Optional(row[10])));

    public static TaskRecord ToRecord(IReadOnlyDictionary<string, string> f, DateTimeOffset? leaseExpiresAt) => new(
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
        TaskHistoryEntry.ParseAll(f.GetValueOrDefault(History)));

    public static Dictionary<string, string> ToDictionary(RedisResult[] pairs)
    {
        var fields = new Dictionary<string, string>(pairs.Length / 2);
        for (var i = 0; i + 1 < pairs.Length; i += 2)
        {
            fields[(string)pairs[i]!] = (string)pairs[i + 1]!;
        }

        return fields;
    }

    private static readonly IReadOnlyDictionary<string, string> None = new Dictionary<string, string>().AsReadOnly();

    /// <summary>A JSON object of strings (metadata, a result, a trace context), stored as one field.</summary>
    public static string Json(IReadOnlyDictionary<string, string> values) => values.Count == 0 ? "{}" : JsonSerializer.Serialize(values);

    private static IReadOnlyDictionary<string, string> Strings(string? json) =>
        string.IsNullOrEmpty(json) || json == "{}" ? None : JsonSerializer.Deserialize<Dictionary<string, string>>(json)!;

    private static string? Optional(RedisResult value) => value.IsNull || (string?)value is "" ? null : (string?)value;

    private static int Int(string? value) => string.IsNullOrEmpty(value) ? 0 : int.Parse(value, CultureInfo.InvariantCulture);

    private static DateTimeOffset? Time(string? value) =>
        string.IsNullOrEmpty(value) ? null : DateTimeOffset.Parse(value, CultureInfo.InvariantCulture);
}
