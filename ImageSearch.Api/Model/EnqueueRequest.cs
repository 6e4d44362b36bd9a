using System.Text.Json;
using ImageSearch.Api.Security;

namespace ImageSearch.Api.Model;

/// <summary>One task to index: the product and its image, as a path under the image root or a URL.</summary>
/// <param name="Metadata">A flat JSON object of strings, numbers and booleans.</param>
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
    /// <summary>The task to enqueue, or the reason the request is refused.</summary>
    public (NewTask? Task, string? Error) ToNewTask(bool allowPrivateNetworks = false)
    {
        if (ProductIdRule.Check(ProductId) is { } productIdError)
        {
            return (null, productIdError);
        }

        if (!string.IsNullOrEmpty(ImagePath) && ImageReferenceRules.CheckPath(ImagePath) is { } pathError)
        {
            return (null, pathError);
        }

        if (!string.IsNullOrEmpty(ImageUrl) && ImageReferenceRules.CheckUrl(ImageUrl, allowPrivateNetworks) is { } urlError)
        {
            return (null, urlError);
        }

        var (metadata, metadataError) = TaskMetadata.FromJson(Metadata);
        if (metadataError is not null)
        {
            return (null, metadataError);
        }

        var task = new NewTask(ProductId ?? "", ImagePath, ImageUrl, Name, Description, metadata, Deduplicate);
        return task.Validate() is { } error ? (null, error) : (task, null);
    }
}
