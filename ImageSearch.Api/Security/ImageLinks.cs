using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ImageSearch.Api.Security;

/// <summary>
/// Addresses of images under the root for the web page's thumbnails. When reads need the key, an &lt;img&gt; cannot
/// send it, so the address is signed instead: <c>images/{path}?expires={unix s}&amp;signature={HMAC}</c>, valid for
/// <see cref="ApiKeyOptions.ImageLinkLifetime"/>, signed with a key derived from the API key (rotating the key
/// revokes every link). Only callers who passed the key (search and product reads) get such links.
/// </summary>
public sealed class ImageLinks(IOptions<ApiKeyOptions> options, TimeProvider timeProvider)
{
    /// <summary>The address to show the image at, or null for an image_ref that is a URL (shown as it is).</summary>
    public string? For(string imageRef)
    {
        if (Uri.TryCreate(imageRef, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
        {
            return null;
        }

        var path = ImageRoot.Normalize(imageRef);
        var link = "images/" + string.Join('/', path.Split('/').Select(Uri.EscapeDataString));
        var settings = options.Value;
        if (!settings.RequireForReads || string.IsNullOrEmpty(settings.Key))
        {
            return link;
        }

        var expires = timeProvider.GetUtcNow().Add(settings.ImageLinkLifetime).ToUnixTimeSeconds();
        return $"{link}?expires={expires}&signature={Sign(settings.Key, path, expires)}";
    }

    /// <summary>True when the link's signature is right for <paramref name="path"/> and it has not expired.</summary>
    public bool IsValid(string path, string? expires, string? signature)
    {
        var key = options.Value.Key;
        if (string.IsNullOrEmpty(key) || string.IsNullOrEmpty(signature) || !long.TryParse(expires, out var expiresAt)
            || expiresAt < timeProvider.GetUtcNow().ToUnixTimeSeconds())
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(key, ImageRoot.Normalize(path), expiresAt));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature));
    }

    private static string Sign(string apiKey, string path, long expires)
    {
        // A key of its own for links, so a link never reveals anything about the API key itself.
        var linkKey = HMACSHA256.HashData(Encoding.UTF8.GetBytes(apiKey), "imagesearch image links"u8);
        var mac = HMACSHA256.HashData(linkKey, Encoding.UTF8.GetBytes($"{path}\n{expires}"));
        return Convert.ToBase64String(mac).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
