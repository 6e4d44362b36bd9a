using System.ComponentModel.DataAnnotations;

namespace ImageSearch.Api;

/// <summary>Limits of the search endpoints, bound from the <c>Search</c> section.</summary>
public sealed class SearchOptions
{
    public const string SectionName = "Search";

    [Range(1, 1000)]
    public int MaxLimit { get; set; } = 100;

    [Range(1, 1000)]
    public int DefaultLimit { get; set; } = 10;

    [Range(0, 100_000)]
    public int MaxOffset { get; set; } = 10_000;

    /// <summary>The largest image a search may upload.</summary>
    [Range(1, 100 * 1024 * 1024)]
    public long MaxUploadBytes { get; set; } = 20 * 1024 * 1024;
}
