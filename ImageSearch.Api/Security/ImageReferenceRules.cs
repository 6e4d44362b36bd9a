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

    /// <summary>The reason a relative image path (its leading '/' already removed) is refused, or null.</summary>
    public static string? CheckPath(string path)
    {
        if (path.Length == 0)
        {
            return "image_path names the image root, not a file.";
        }

        if (path.Length > 1024)
        {
            return "image_path may be at most 1024 characters long.";
        }

        if (path.Any(char.IsControl))
        {
            return "image_path may not contain control characters (NUL, newline, ...).";
        }

        if (path[0] is '/' or '\\' || DriveOrScheme().IsMatch(path) || path.Contains("://", StringComparison.Ordinal))
        {
            return "image_path must be relative to the image root (a leading '/' is the root; no '\\', drive letter or URL scheme); URLs go in image_url.";
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
        if (url.Length > 2048 || !Uri.TryCreate(url, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            return "image_url must be an absolute http or https URL (at most 2048 characters).";
        }

        if (allowPrivateNetworks)
        {
            return null;
        }

        var host = address.IdnHost.Trim('[', ']');
        var isInternal = host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var literal) && NetworkAddressRules.IsInternal(literal));
        // The fetcher's words for every refused address, so neither tells which rule refused it.
        return isInternal ? NetworkAddressRules.RefusedMessage : null;
    }
}
