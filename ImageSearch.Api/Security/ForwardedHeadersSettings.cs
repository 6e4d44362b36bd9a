using System.Net;

namespace ImageSearch.Api.Security;

/// <summary>
/// The proxies whose X-Forwarded-For and X-Forwarded-Proto the API believes, bound from <c>ForwardedHeaders</c>.
/// Empty (the default) believes none: the client address is the connection's, so nobody can pick the address that
/// rate limits count them under. Behind a reverse proxy or an ingress, name its network.
/// </summary>
public sealed class ForwardedHeadersSettings
{
    public const string SectionName = "ForwardedHeaders";

    /// <summary>CIDR networks of trusted proxies, such as <c>10.0.0.0/16</c>.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>Addresses of trusted proxies.</summary>
    public List<string> KnownProxies { get; set; } = [];

    public bool IsValid() =>
        KnownNetworks.All(network => IPNetwork.TryParse(network, out _)) && KnownProxies.All(proxy => IPAddress.TryParse(proxy, out _));
}
