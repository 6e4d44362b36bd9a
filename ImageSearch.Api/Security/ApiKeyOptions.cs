using System.Security.Cryptography;
using System.Text;

namespace ImageSearch.Api.Security;

/// <summary>The key that mutating endpoints require in the <c>X-Api-Key</c> header, bound from <c>ApiKey</c>.</summary>
public sealed class ApiKeyOptions
{
    public const string SectionName = "ApiKey";

    public const string HeaderName = "X-Api-Key";

    /// <summary>The AppHost generates it as a secret parameter. Without one, mutating endpoints refuse every call.</summary>
    public string? Key { get; set; }

    /// <summary>When set, reading endpoints (status, stats, search, products, images) need the key too.</summary>
    public bool RequireForReads { get; set; }

    /// <summary>How long a signed image link (handed out with search results when reads need the key) stays valid.</summary>
    public TimeSpan ImageLinkLifetime { get; set; } = TimeSpan.FromMinutes(15);

    // One reference, so a request never reads one key's text with another's hash.
    private KeyDigest? _keyDigest;

    /// <summary>SHA-256 of <see cref="Key"/>, worked out once per key instead of on every checked request.</summary>
    internal byte[] KeyHash()
    {
        var key = Key ?? "";
        if (_keyDigest is not { } digest || !ReferenceEquals(digest.Key, key))
        {
            digest = new KeyDigest(key, SHA256.HashData(Encoding.UTF8.GetBytes(key)));
            _keyDigest = digest;
        }

        return digest.Hash;
    }

    private sealed record KeyDigest(string Key, byte[] Hash);
}
