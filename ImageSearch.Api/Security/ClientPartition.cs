using System.Net;
using System.Net.Sockets;

namespace ImageSearch.Api.Security;

/// <summary>
/// The key rate limits count a client under: its IPv4 address, or its IPv6 /64 (one subscriber's prefix: a client
/// given a /64 can use 2^64 addresses, so a per-address limit would not limit it at all).
/// </summary>
public static class ClientPartition
{
    public static string Of(HttpContext context) => Of(context.Connection.RemoteIpAddress);

    public static string Of(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        bytes.AsSpan(8).Clear();
        return new IPAddress(bytes) + "/64";
    }
}
