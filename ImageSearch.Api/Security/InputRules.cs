using System.Text.RegularExpressions;

namespace ImageSearch.Api.Security;

/// <summary>
/// The rules for the inputs that become Redis keys or vector store fields, checked once at the edge so nothing the
/// store or the queue would refuse (or misread) gets past the API.
/// </summary>
public static partial class InputRules
{
    public const int MaxFieldNameLength = 64;
    public const int MaxFieldValueLength = 1024;
    public const int MaxMetadataFields = 64;
    public const int MaxNameLength = 256;
    public const int MaxDescriptionLength = 4096;

    // Qdrant reads a dot in a field name as a path into nested objects, and the stores refuse it.
    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex FieldName();

    // Task ids are UUIDs today; any id of these characters is looked up, anything else (':', '/', spaces) never exists.
    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex TaskIdPattern();

    /// <summary>The reason a metadata or filter field name is refused, or null.</summary>
    public static string? CheckFieldName(string name, string what) => FieldName().IsMatch(name)
        ? null
        : $"{what} '{Shorten(name)}' is not a field name: 1 to {MaxFieldNameLength} letters, digits, '_' or '-' (no dots).";

    public static string? CheckFieldValue(string value, string what) => value.Length switch
    {
        0 => $"{what} may not be empty.",
        > MaxFieldValueLength => $"{what} may be at most {MaxFieldValueLength} characters long.",
        _ => value.Any(char.IsControl) ? $"{what} may not contain control characters." : null
    };

    public static string? CheckTaskId(string taskId) => TaskIdPattern().IsMatch(taskId)
        ? null
        : $"'{Shorten(taskId)}' is not a task id: 1 to 64 letters, digits, '_' or '-'.";

    /// <summary>Metadata as the index will hold it: at most 64 fields, each name a field name and each value a short string.</summary>
    public static string? CheckMetadata(IReadOnlyDictionary<string, string> metadata)
    {
        if (metadata.Count > MaxMetadataFields)
        {
            return $"metadata may hold at most {MaxMetadataFields} fields, not {metadata.Count}.";
        }

        foreach (var (name, value) in metadata)
        {
            if (CheckFieldName(name, "metadata field") is { } error)
            {
                return error;
            }

            if (value.Length > MaxFieldValueLength)
            {
                return $"metadata.{name} may be at most {MaxFieldValueLength} characters long.";
            }
        }

        return null;
    }

    /// <summary>A value quoted in an error, cut short and without control characters.</summary>
    public static string Shorten(string value)
    {
        var printable = new string(value.Select(c => char.IsControl(c) ? '?' : c).Take(40).ToArray());
        return value.Length > 40 ? printable + "…" : printable;
    }
}
