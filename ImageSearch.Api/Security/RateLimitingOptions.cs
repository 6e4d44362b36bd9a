using System.ComponentModel.DataAnnotations;

namespace ImageSearch.Api.Security;

/// <summary>Requests per client per minute, bound from <c>RateLimiting</c>.</summary>
public sealed class RateLimitingOptions
{
    public const string SectionName = "RateLimiting";

    public const string EnqueuePolicy = "enqueue";
    public const string SearchPolicy = "search";

    [Range(1, 1_000_000)]
    public int EnqueuePerMinute { get; set; } = 1200;

    [Range(1, 1_000_000)]
    public int SearchPerMinute { get; set; } = 300;
}
