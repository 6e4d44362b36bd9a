using System.Text.Json;

namespace ImageSearch.Indexing.Queue;

/// <summary>Task metadata arrives as a JSON object of strings, numbers and booleans; it is stored as strings.</summary>
public static class TaskMetadata
{
    /// <summary>The metadata as strings, or the reason it is refused.</summary>
    public static (IReadOnlyDictionary<string, string>? Values, string? Error) FromJson(JsonElement? json)
    {
        if (json is not { } element || element.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return (new Dictionary<string, string>(), null);
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            return (null, "metadata must be a JSON object.");
        }

        var values = new Dictionary<string, string>();
        foreach (var property in element.EnumerateObject())
        {
            string? value = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString(),
                JsonValueKind.Number => property.Value.GetRawText(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => null
            };
            if (value is null)
            {
                return (null, $"metadata.{property.Name} is {property.Value.ValueKind.ToString().ToLowerInvariant()}: " +
                    "values must be strings, numbers or booleans (nested objects and arrays are not stored).");
            }

            values[property.Name] = value;
        }

        return (values, null);
    }
}
