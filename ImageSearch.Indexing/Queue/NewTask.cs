namespace ImageSearch.Indexing.Queue;

/// <summary>What an enqueue asks for. Exactly one of <see cref="ImagePath"/> and <see cref="ImageUrl"/> is set.</summary>
/// <param name="Deduplicate">
/// When set, enqueuing the same product and image while an earlier task for them is still pending,
/// delayed or processing returns that task instead of adding a duplicate.
/// </param>
public sealed record NewTask(
    string ProductId,
    string? ImagePath,
    string? ImageUrl,
    string? Name = null,
    string? Description = null,
    IReadOnlyDictionary<string, string>? Metadata = null,
    bool Deduplicate = false)
{
    /// <summary>Checks the task can be enqueued; returns the reason it cannot, or null.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(ProductId))
        {
            return "product_id is required.";
        }

        var hasPath = !string.IsNullOrWhiteSpace(ImagePath);
        var hasUrl = !string.IsNullOrWhiteSpace(ImageUrl);
        if (hasPath == hasUrl)
        {
            return "Give exactly one of image_path and image_url.";
        }

        if (hasPath && (Path.IsPathRooted(ImagePath!) || ImagePath!.Split('/', '\\').Contains("..")))
        {
            return "image_path must be relative to the image root and may not contain '..'.";
        }

        if (hasUrl && !(Uri.TryCreate(ImageUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
        {
            return "image_url must be an absolute http or https URL.";
        }

        return null;
    }

    internal string DeduplicationKey => $"{ProductId}\n{ImagePath ?? ImageUrl}";
}
