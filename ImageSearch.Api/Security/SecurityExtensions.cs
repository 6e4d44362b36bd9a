using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace ImageSearch.Api.Security;

internal static class SecurityExtensions
{
    public static void AddApiSecurity(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiKeyOptions>().BindConfiguration(ApiKeyOptions.SectionName);
        builder.Services.AddOptions<RateLimitingOptions>()
            .BindConfiguration(RateLimitingOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(RateLimitingOptions.EnqueuePolicy, context =>
                PerClient(context, options => options.EnqueuePerMinute));
            limiter.AddPolicy(RateLimitingOptions.SearchPolicy, context =>
                PerClient(context, options => options.SearchPerMinute));
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var response = rejected.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await TypedResults.Problem(
                    title: "Too many requests",
                    detail: $"This client's rate limit is reached; retry after {response.Headers.RetryAfter} s.",
                    statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(rejected.HttpContext);
            };
        });
    }

    /// <summary>Mutating endpoints: the right X-Api-Key or 401.</summary>
    public static TBuilder RequireApiKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ApiKeyRequirement(ForReads: false)).AddEndpointFilterFactory((context, next) =>
        {
            var filter = new ApiKeyEndpointFilter(context.ApplicationServices.GetRequiredService<IOptions<ApiKeyOptions>>(), forReads: false);
            return invocation => filter.InvokeAsync(invocation, next);
        });

    /// <summary>Reading endpoints: open unless ApiKey:RequireForReads is set.</summary>
    public static TBuilder RequireApiKeyForReads<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ApiKeyRequirement(ForReads: true)).AddEndpointFilterFactory((context, next) =>
        {
            var filter = new ApiKeyEndpointFilter(context.ApplicationServices.GetRequiredService<IOptions<ApiKeyOptions>>(), forReads: true);
            return invocation => filter.InvokeAsync(invocation, next);
        });

    // A token bucket per client address: bursts are allowed, the sustained rate is the per-minute limit.
    private static RateLimitPartition<string> PerClient(HttpContext context, Func<RateLimitingOptions, int> perMinute)
    {
        var limit = perMinute(context.RequestServices.GetRequiredService<IOptions<RateLimitingOptions>>().Value);
        var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        return RateLimitPartition.GetTokenBucketLimiter(client, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = limit,
            TokensPerPeriod = limit,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = true
        });
    }
}
