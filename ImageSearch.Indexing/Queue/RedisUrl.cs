using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace ImageSearch.Indexing.Queue;

/// <summary>
/// Reads the original's <c>REDIS_URL</c> (<c>redis://[user]:password@host:port[/db]</c>, or <c>rediss://</c>
/// for TLS) as a StackExchange.Redis configuration string.
/// </summary>
public static class RedisUrl
{
    /// <summary>
    /// Outside the AppHost the original's <c>REDIS_URL</c> names the server: when no connection string
    /// <paramref name="connectionName"/> is configured, it becomes that connection string.
    /// </summary>
    public static void UseAsConnectionString(IConfiguration configuration, string connectionName = "redis")
    {
        if (configuration.GetConnectionString(connectionName) is null && configuration["REDIS_URL"] is { } url)
        {
            configuration[$"ConnectionStrings:{connectionName}"] = ToConfiguration(url);
        }
    }

    public static string ToConfiguration(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("redis" or "rediss") || uri.Host.Length == 0)
        {
            throw new FormatException($"REDIS_URL must look like redis://:password@host:port/db, got '{url}'.");
        }

        var parts = new List<string> { $"{uri.Host}:{(uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port)}" };
        if (uri.UserInfo.Length > 0)
        {
            var userInfo = uri.UserInfo.Split(':', 2);
            if (userInfo[0].Length > 0)
            {
                parts.Add("user=" + Uri.UnescapeDataString(userInfo[0]));
            }

            if (userInfo.Length == 2 && userInfo[1].Length > 0)
            {
                parts.Add("password=" + Uri.UnescapeDataString(userInfo[1]));
            }
        }

        var database = uri.AbsolutePath.Trim('/');
        if (database.Length > 0)
        {
            if (!int.TryParse(database, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                throw new FormatException($"The database in REDIS_URL must be a number, got '{database}'.");
            }

            parts.Add("defaultDatabase=" + number.ToString(CultureInfo.InvariantCulture));
        }

        if (uri.Scheme == "rediss")
        {
            parts.Add("ssl=true");
        }

        return string.Join(',', parts);
    }
}
