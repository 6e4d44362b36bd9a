using System.ComponentModel.DataAnnotations;

namespace ImageSearch.Api.Security;

/// <summary>How large and how deep a request may be, bound from <c>RequestLimits</c>.</summary>
public sealed class RequestLimitsOptions
{
    public const string SectionName = "RequestLimits";

    /// <summary>The largest request body Kestrel reads; larger ones get 413. Search uploads are further capped by Search:MaxUploadBytes.</summary>
    [Range(1024, 1024L * 1024 * 1024)]
    public long MaxBodyBytes { get; set; } = 25 * 1024 * 1024;

    /// <summary>How deeply JSON bodies may nest (metadata is flat, so real requests need 3 or 4).</summary>
    [Range(4, 256)]
    public int MaxJsonDepth { get; set; } = 32;
}
