using ImageSearch.Api.Security;
using Microsoft.AspNetCore.Mvc;

namespace ImageSearch.Api.Model;

/// <summary>
/// Query options shared by every search: <c>?limit=10&amp;offset=0&amp;min_score=0.5&amp;category=shoes&amp;filter=color:red</c>.
/// <c>category</c> and each <c>filter=field:value</c> are exact matches on metadata fields (field names as
/// <see cref="InputRules.CheckFieldName"/> allows: no dots).
/// </summary>
public sealed record SearchParameters(
    [FromQuery(Name = "limit")] int? Limit,
    [FromQuery(Name = "offset")] int? Offset,
    [FromQuery(Name = "min_score")] float? MinScore,
    [FromQuery(Name = "category")] string? Category,
    // Without [FromQuery], a POST would read a string[] from the body.
    [FromQuery(Name = "filter")] string[]? Filter)
{
    private const int MaxFilters = 16;

    /// <summary>The filter as field → value, or the errors that stop the search.</summary>
    public (VectorSearchQueryOptions? Options, IReadOnlyDictionary<string, string[]>? Errors) Validate(SearchOptions limits)
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
            if (InputRules.CheckFieldValue(Category, "category") is { } categoryError)
            {
                errors["category"] = [categoryError];
            }

            filter["category"] = Category;
        }

        var filterErrors = new List<string>();
        if (Filter?.Length > MaxFilters)
        {
            filterErrors.Add($"At most {MaxFilters} filters may be given.");
        }

        foreach (var condition in Filter ?? [])
        {
            if (condition.Split(':', 2) is not [var field, var value])
            {
                filterErrors.Add($"'{InputRules.Shorten(condition)}' is not a filter: write field:value.");
            }
            else if ((InputRules.CheckFieldName(field, "filter field") ?? InputRules.CheckFieldValue(value, $"filter {InputRules.Shorten(field)}")) is { } error)
            {
                filterErrors.Add(error);
            }
            else
            {
                filter[field] = value;
            }
        }

        if (filterErrors.Count > 0)
        {
            errors["filter"] = [.. filterErrors.Distinct().Take(MaxFilters)];
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
