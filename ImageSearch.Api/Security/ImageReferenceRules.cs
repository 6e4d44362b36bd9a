using System.Net;
using System.Text.RegularExpressions;

namespace ImageSearch.Api.Security;

/// <summary>
/// What an enqueued image reference must look like before it reaches the queue. Workers check the file or fetch
/// the URL again (a missing file or an unreachable host becomes a dead letter); these rules refuse up front
/// what can never be right.
/// </summary>
public static partial class ImageReferenceRules
{
    // Percent-encoding is never decoded in image paths, so an encoded '.', '/' or '\' can only be an attempt to sneak past the '..' check.
    [GeneratedRegex("%(2e|2f|5c)", RegexOptions.IgnoreCase)]
    private static partial Regex EncodedSeparator();

    [GeneratedRegex("^[A-Za-z]:")]
    private static partial Regex DriveOrScheme();

    /// <summary>The reason a relative image path is refused, or null.</summary>
    public static string? CheckPath(string path)
    {
        if (path.Any(char.IsControl))
        {
            return "image_path may not contain control characters (NUL, newline, ...).";
        }

        if (path[0] is '/' or '\\' || DriveOrScheme().IsMatch(path) || path.Contains("://", StringComparison.Ordinal))
        {
            return "image_path must be relative to the image root (no leading '/', drive letter or URL scheme); URLs go in image_url.";
        }

        if (path.Split('/', '\\').Contains(".."))
        {
            return "image_path may not contain '..'.";
        }

        return EncodedSeparator().IsMatch(path)
            ? "image_path may not contain percent-encoded '.', '/' or '\\' (paths are not URL-decoded)."
            : null;
    }

    /// <summary>
    /// The reason an image URL is refused, or null. Beyond http(s), a host written as an internal address
    /// (or localhost) is refused unless ImageLoader:AllowPrivateNetworks; names that resolve inside are refused by the fetcher.
    /// </summary>
    public static string? CheckUrl(string url, bool allowPrivateNetworks)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            return "image_url must be an absolute http or https URL.";
        }

        if (allowPrivateNetworks)
        {
            return null;
        }

        var host = address.IdnHost.Trim('[', ']');
        var isInternal = host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var literal) && NetworkAddressRules.IsInternal(literal));
        return isInternal
            ? $"image_url points at a loopback, link-local or private address ('{address.Host}'); set ImageLoader:AllowPrivateNetworks to allow it."
            : null;
    }
}
