using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;

namespace ImageSearch.Api.Model;

/// <summary>
/// Query options shared by every search: <c>?limit=10&amp;offset=0&amp;min_score=0.5&amp;category=shoes&amp;filter=color:red</c>.
/// <c>category</c> and each <c>filter=field:value</c> are exact matches on metadata fields.
/// </summary>
public sealed partial record SearchParameters(
    [FromQuery(Name = "limit")] int? Limit,
    [FromQuery(Name = "offset")] int? Offset,
    [FromQuery(Name = "min_score")] float? MinScore,
    [FromQuery(Name = "category")] string? Category,
    // Without [FromQuery], a POST would read a string[] from the body.
    [FromQuery(Name = "filter")] string[]? Filter)
{
    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex FieldName();

    /// <summary>The filter as field → value, or the errors that stop the search.</summary>
    public (VectorSearchQueryOptions? Options, Dictionary<string, string[]>? Errors) Validate(SearchOptions limits)
    {
        var errors = new Dictionary<string, string[]>();
        var limit = Limit ?? limits.DefaultLimit;
        if (limit < 1 || limit > limits.MaxLimit)
        {
            errors["limit"] = [$"limit must be between 1 and {limits.MaxLimit}."];
        }

        var offset = Offset ?? 0;
        if (offset < 0 || offset > limits.MaxOffset)
        {
            errors["offset"] = [$"offset must be between 0 and {limits.MaxOffset}."];
        }

        if (MinScore is { } minScore && (float.IsNaN(minScore) || minScore < -1 || minScore > 1))
        {
            errors["min_score"] = ["min_score must be between -1 and 1 (cosine similarity)."];
        }

        var filter = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(Category))
        {
            filter["category"] = Category;
        }

        foreach (var condition in Filter ?? [])
        {
            if (condition.Split(':', 2) is [var field, var value] && FieldName().IsMatch(field) && value.Length > 0)
            {
                filter[field] = value;
            }
            else
            {
                errors["filter"] = [$"'{condition}' is not a filter: write field:value, the field in letters, digits, '_', '.' or '-'."];
            }
        }

        return errors.Count > 0
            ? (null, errors)
            : (new VectorSearchQueryOptions(limit, offset, MinScore, filter.Count > 0 ? filter : null), null);
    }
}

/// <summary>Validated search options, ready to become a vector query.</summary>
public sealed record VectorSearchQueryOptions(int Limit, int Offset, float? MinScore, IReadOnlyDictionary<string, string>? Filter)
{
    public VectorSearchQuery ToQuery(float[] vector, string modelKey, string? excludeProductId = null) =>
        new(vector, modelKey, Limit, Offset, MinScore, Filter, excludeProductId);
}
