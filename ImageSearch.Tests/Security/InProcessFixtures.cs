using ImageSearch.Tests.Infrastructure;

namespace ImageSearch.Tests.Security;

/// <summary>Default limits, remote images on (so URL refusals come from the address rules), the API's log at debug level.</summary>
public sealed class RemoteImagesOnApiFixture : ApiFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["ImageLoader:RemoteImagesEnabled"] = "true",
        // The key tests send a few dozen wrong keys; the key-failure limit has its own test.
        ["RateLimiting:KeyFailuresPerMinute"] = "1000",
        ["Logging:LogLevel:Default"] = "Debug",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Debug"
    };
}

/// <summary>Rate limits low enough to reach in a test, and the key required for reads too.</summary>
public sealed class LowRateLimitApiFixture : ApiFixture
{
    public const int PerMinute = 3;

    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["RateLimiting:SearchPerMinute"] = PerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RateLimiting:EnqueuePerMinute"] = PerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RateLimiting:ImagesPerMinute"] = "1000",
        ["RateLimiting:KeyFailuresPerMinute"] = PerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["ApiKey:RequireForReads"] = "true",
        // Aspire's publisher used to set this, which believed anybody's X-Forwarded-For.
        ["FORWARDEDHEADERS_ENABLED"] = "true",
        ["ForwardedHeaders:KnownNetworks:0"] = TrustedProxyNetwork
    };

    /// <summary>The proxy network whose forwarded headers are believed (a documentation range).</summary>
    public const string TrustedProxyNetwork = "192.0.2.0/24";
}

/// <summary>Limits high enough that generated requests exercise validation, not the limiters.</summary>
public sealed class UnlimitedApiFixture : ApiFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["RateLimiting:SearchPerMinute"] = "1000000",
        ["RateLimiting:EnqueuePerMinute"] = "1000000",
        ["RateLimiting:ImagesPerMinute"] = "1000000",
        ["RateLimiting:KeyFailuresPerMinute"] = "1000000"
        // Remote images stay off (the default): a URL that cannot be fetched is the upstream's failure (502), not the API's.
    };
}
