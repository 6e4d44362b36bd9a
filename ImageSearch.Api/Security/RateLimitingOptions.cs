using System.ComponentModel.DataAnnotations;

namespace ImageSearch.Api.Security;

/// <summary>Requests per client per minute, bound from <c>RateLimiting</c>.</summary>
public sealed class RateLimitingOptions
{
    public const string SectionName = "RateLimiting";

    public const string EnqueuePolicy = "enqueue";
    public const string SearchPolicy = "search";
    public const string ImagesPolicy = "images";

    [Range(1, 1_000_000)]
    public int EnqueuePerMinute { get; set; } = 1200;

    [Range(1, 1_000_000)]
    public int SearchPerMinute { get; set; } = 300;

    /// <summary>Image files served (thumbnails: a page of results asks for a dozen).</summary>
    [Range(1, 1_000_000)]
    public int ImagesPerMinute { get; set; } = 1200;

    /// <summary>Wrong API keys a client may send per minute; past them, its key-checked calls get 429 unchecked.</summary>
    [Range(1, 1_000_000)]
    public int KeyFailuresPerMinute { get; set; } = 10;
}
