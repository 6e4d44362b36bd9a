namespace ImageSearch.Api.Model;

/// <summary>Search with an image the service can reach: a path under the image root, or a URL.</summary>
public sealed record SearchByReferenceRequest(string? ImagePath, string? ImageUrl);
