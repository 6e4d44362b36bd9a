using System.Net;
using System.Net.Sockets;

namespace ImageSearch.Indexing.Imaging;

/// <summary>Which addresses a remote image may be fetched from when private networks are not allowed.</summary>
public static class NetworkAddressRules
{
    /// <summary>
    /// The one answer to every refused image URL (scheme, host list, internal address, redirect): which rule refused it
    /// is not told, so a caller cannot map the internal network by the wording.
    /// </summary>
    public const string RefusedMessage = "The image URL is not allowed: only http(s) URLs of public hosts are fetched.";

    // Azure's platform address (DHCP, DNS, health probes, the instance's wire server): public-looking, reachable from every VM.
    private static readonly IPAddress AzurePlatform = IPAddress.Parse("168.63.129.16");

    private static readonly IPNetwork[] InternalIPv4 =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.0.0.0/24"), IPNetwork.Parse("192.0.2.0/24"),
        IPNetwork.Parse("192.88.99.0/24"), IPNetwork.Parse("192.168.0.0/16"), IPNetwork.Parse("198.18.0.0/15"),
        IPNetwork.Parse("198.51.100.0/24"), IPNetwork.Parse("203.0.113.0/24"), IPNetwork.Parse("224.0.0.0/3")
    ];

    private static readonly IPNetwork[] InternalIPv6 =
    [
        IPNetwork.Parse("::/128"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("100::/64"), IPNetwork.Parse("2001:db8::/32"),
        IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("fec0::/10"), IPNetwork.Parse("ff00::/8"),
        // Transition mechanisms whose relay reaches an IPv4 address on our behalf, past every check made here:
        // IPv4-compatible (deprecated), 6to4, Teredo, and NAT64 (well-known and local-use prefixes).
        IPNetwork.Parse("::/96"), IPNetwork.Parse("2002::/16"), IPNetwork.Parse("2001::/32"), IPNetwork.Parse("64:ff9b::/96"),
        IPNetwork.Parse("64:ff9b:1::/48")
    ];

    /// <summary>
    /// True for loopback, link-local, private, shared (CGNAT), documentation, multicast and reserved addresses, Azure's
    /// platform address, the IPv6 transition forms (IPv4-compatible, 6to4, Teredo, NAT64), and IPv4-mapped or -translated
    /// addresses whose IPv4 address is one of those.
    /// </summary>
    public static bool IsInternal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        else if (address.AddressFamily == AddressFamily.InterNetworkV6 && IsIPv4Translated(address))
        {
            address = new IPAddress(address.GetAddressBytes().AsSpan(12, 4));
        }

        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => address.Equals(AzurePlatform) || InternalIPv4.Any(network => network.Contains(address)),
            AddressFamily.InterNetworkV6 => address.IsIPv6SiteLocal || InternalIPv6.Any(network => network.Contains(address)),
            _ => true
        };
    }

    // ::ffff:0:a.b.c.d (SIIT).
    private static bool IsIPv4Translated(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return b.AsSpan(0, 8).IndexOfAnyExcept((byte)0) < 0 && b[8] == 0xFF && b[9] == 0xFF && b[10] == 0 && b[11] == 0;
    }
}
