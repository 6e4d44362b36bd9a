using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImageSearch.Indexing.Queue;

/// <summary>
/// What was asked for, written once at enqueue and never changed: one JSON field (<c>request</c>) of the task's hash, so
/// that a take reads a task in a few field lookups instead of one per attribute.
/// </summary>
internal sealed record TaskRequest(
    string ProductId,
    string? ImagePath,
    string? ImageUrl,
    string? Name,
    string? Description,
    IReadOnlyDictionary<string, string>? Metadata,
    DateTimeOffset CreatedAt,
    IReadOnlyDictionary<string, string>? TraceContext)
{
    public string ToJson() => JsonSerializer.Serialize(this, TaskRequestJson.Default.TaskRequest);

    public static TaskRequest Parse(string json) =>
        JsonSerializer.Deserialize(json, TaskRequestJson.Default.TaskRequest) ?? throw new JsonException("A task's request is JSON null.");
}

[JsonSerializable(typeof(TaskRequest))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class TaskRequestJson : JsonSerializerContext;
