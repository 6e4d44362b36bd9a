using System.Text.Json;
using ImageSearch.Api.Security;

namespace ImageSearch.Api.Model;

/// <summary>One task to index: the product and its image, as a path under the image root or a URL.</summary>
/// <param name="ImagePath">Relative to the image root; a leading '/' means the root itself (as in a URL path).</param>
/// <param name="Metadata">A flat JSON object of strings, numbers and booleans; field names are letters, digits, '_' or '-'.</param>
/// <param name="Deduplicate">Return the earlier task if the same product and image is still waiting or processing.</param>
public sealed record EnqueueRequest(
    string? ProductId,
    string? ImagePath = null,
    string? ImageUrl = null,
    string? Name = null,
    string? Description = null,
    JsonElement? Metadata = null,
    bool Deduplicate = false)
{
    /// <summary>The task to enqueue, or the input at fault and why it is refused.</summary>
    public (NewTask? Task, string? Field, string? Error) ToNewTask(bool allowPrivateNetworks = false)
    {
        if (ProductIdRule.Check(ProductId) is { } productIdError)
        {
            return (null, "product_id", productIdError);
        }

        // The queue keeps paths relative to the root: "/test.jpg" (the original's checklist) is "test.jpg".
        var imagePath = string.IsNullOrEmpty(ImagePath) ? ImagePath : ImageRoot.Normalize(ImagePath);
        if (!string.IsNullOrEmpty(ImagePath) && ImageReferenceRules.CheckPath(imagePath!) is { } pathError)
        {
            return (null, "image_path", pathError);
        }

        if (!string.IsNullOrEmpty(ImageUrl) && ImageReferenceRules.CheckUrl(ImageUrl, allowPrivateNetworks) is { } urlError)
        {
            return (null, "image_url", urlError);
        }

        if (Name?.Length > InputRules.MaxNameLength)
        {
            return (null, "name", $"name may be at most {InputRules.MaxNameLength} characters long.");
        }

        if (Description?.Length > InputRules.MaxDescriptionLength)
        {
            return (null, "description", $"description may be at most {InputRules.MaxDescriptionLength} characters long.");
        }

        var (metadata, metadataError) = TaskMetadata.FromJson(Metadata);
        if ((metadataError ?? InputRules.CheckMetadata(metadata!)) is { } invalidMetadata)
        {
            return (null, "metadata", invalidMetadata);
        }

        var task = new NewTask(ProductId!, imagePath, ImageUrl, Name, Description, metadata, Deduplicate);
        return task.Validate() is { } error ? (null, string.IsNullOrEmpty(imagePath) ? "image_url" : "image_path", error) : (task, null, null);
    }
}
