using System.Net;
using System.Net.Sockets;

namespace ImageSearch.Indexing.Imaging;

/// <summary>Which addresses a remote image may be fetched from when private networks are not allowed.</summary>
public static class NetworkAddressRules
{
    /// <summary>True for loopback, link-local, private, shared (CGNAT), unspecified, multicast and similar addresses.</summary>
    public static bool IsInternal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)
            || address.Equals(IPAddress.Broadcast))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] switch
            {
                0 or 10 or 127 => true,
                100 => b[1] is >= 64 and < 128,          // 100.64.0.0/10 shared address space
                169 => b[1] == 254,                      // link-local, cloud metadata endpoints
                172 => b[1] is >= 16 and < 32,
                192 => b[1] == 168 || (b[1] == 0 && b[2] is 0 or 2),
                198 => b[1] is 18 or 19,                 // benchmarking networks
                >= 224 => true,                          // multicast and reserved
                _ => false
            };
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
                || (b[0] & 0xFE) == 0xFC;                // fc00::/7 unique local
        }

        return true;
    }
}
