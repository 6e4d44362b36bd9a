using System.Globalization;
using System.Threading.RateLimiting;
using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
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
        builder.Services.AddSingleton<ApiKeyFailures>();
        builder.Services.AddSingleton<ImageLinks>();
        builder.AddRequestLimits();
        builder.AddForwardedHeaders();
        builder.Services.AddExceptionHandler<ServiceUnavailableExceptionHandler>();

        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(RateLimitingOptions.EnqueuePolicy, context =>
                PerClient(context, options => options.EnqueuePerMinute));
            limiter.AddPolicy(RateLimitingOptions.SearchPolicy, context =>
                PerClient(context, options => options.SearchPerMinute));
            limiter.AddPolicy(RateLimitingOptions.ImagesPolicy, context =>
                PerClient(context, options => options.ImagesPerMinute));
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var response = rejected.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await Problems.Of(StatusCodes.Status429TooManyRequests, "Too many requests",
                    $"This client's rate limit is reached; retry after {response.Headers.RetryAfter} s.").ExecuteAsync(rejected.HttpContext);
            };
        });
    }

    /// <summary>
    /// X-Forwarded-For/-Proto are believed from the configured proxies only, whatever ASPNETCORE_FORWARDEDHEADERS_ENABLED
    /// says (which, set, believes anyone): otherwise any client could choose the address its rate limits count.
    /// </summary>
    private static void AddForwardedHeaders(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ForwardedHeadersSettings>()
            .BindConfiguration(ForwardedHeadersSettings.SectionName)
            .Validate(settings => settings.IsValid(), "ForwardedHeaders:KnownNetworks must be CIDR networks and KnownProxies IP addresses.")
            .ValidateOnStart();
        builder.Services.AddOptions<ForwardedHeadersOptions>().PostConfigure<IOptions<ForwardedHeadersSettings>>((forwarded, settings) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.KnownIPNetworks.Clear();
            forwarded.KnownProxies.Clear();
            foreach (var network in settings.Value.KnownNetworks)
            {
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }

            foreach (var proxy in settings.Value.KnownProxies)
            {
                forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            }
        });
    }

    /// <summary>Caps body size and JSON depth, and answers every malformed request with a ProblemDetails that says why.</summary>
    private static void AddRequestLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RequestLimitsOptions>()
            .BindConfiguration(RequestLimitsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IOptions<RequestLimitsOptions>>((kestrel, limits) =>
            kestrel.Limits.MaxRequestBodySize = limits.Value.MaxBodyBytes);
        builder.Services.AddOptions<FormOptions>().Configure<IOptions<RequestLimitsOptions>>((form, limits) =>
            form.MultipartBodyLengthLimit = limits.Value.MaxBodyBytes);
        builder.Services.AddOptions<JsonOptions>().Configure<IOptions<RequestLimitsOptions>>((json, limits) =>
            json.SerializerOptions.MaxDepth = limits.Value.MaxJsonDepth);

        // Before the framework's writer, which declines clients that do not accept JSON.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IProblemDetailsWriter, ProblemJsonWriter>());

        // Throwing (rather than a bare 400, the default outside Development) lets the handler below say what was wrong.
        builder.Services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        builder.Services.AddExceptionHandler<BadRequestExceptionHandler>();

        // Problems written by the framework (an unknown route, a wrong method or content type, a body over the limit)
        // carry no detail of their own, nor the errors every problem of this API has.
        builder.Services.PostConfigure<ProblemDetailsOptions>(problems =>
        {
            var customize = problems.CustomizeProblemDetails;
            problems.CustomizeProblemDetails = context =>
            {
                customize?.Invoke(context);
                if (context.ProblemDetails is not HttpValidationProblemDetails)
                {
                    context.ProblemDetails.Detail ??= DefaultDetail(context.HttpContext, context.ProblemDetails.Status);
                    context.ProblemDetails.Extensions.TryAdd(Problems.ErrorsKey, new Dictionary<string, string[]>());
                }
            };
        });
    }

    private static string? DefaultDetail(HttpContext context, int? status) => status switch
    {
        StatusCodes.Status404NotFound => "Nothing is served at this address.",
        StatusCodes.Status405MethodNotAllowed => $"This address does not accept {context.Request.Method} requests.",
        StatusCodes.Status413PayloadTooLarge =>
            $"The request body may be at most {context.RequestServices.GetRequiredService<IOptions<RequestLimitsOptions>>().Value.MaxBodyBytes} bytes.",
        StatusCodes.Status415UnsupportedMediaType =>
            $"'{context.Request.ContentType}' is not accepted here: send JSON (application/json); search also takes multipart/form-data.",
        StatusCodes.Status500InternalServerError => "The server failed to answer; its log has the error under this trace id.",
        StatusCodes.Status503ServiceUnavailable => "The service is unavailable for a moment; retry later.",
        { } other => ReasonPhrases.GetReasonPhrase(other),
        null => null
    };

    /// <summary>Mutating endpoints: the right X-Api-Key or 401.</summary>
    public static TBuilder RequireApiKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ApiKeyRequirement(ForReads: false)).AddEndpointFilterFactory((context, next) =>
        {
            var filter = new ApiKeyEndpointFilter(context.ApplicationServices.GetRequiredService<IOptions<ApiKeyOptions>>(),
                context.ApplicationServices.GetRequiredService<ApiKeyFailures>(), forReads: false);
            return invocation => filter.InvokeAsync(invocation, next);
        });

    /// <summary>Reading endpoints: open unless ApiKey:RequireForReads is set.</summary>
    public static TBuilder RequireApiKeyForReads<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ApiKeyRequirement(ForReads: true)).AddEndpointFilterFactory((context, next) =>
        {
            var filter = new ApiKeyEndpointFilter(context.ApplicationServices.GetRequiredService<IOptions<ApiKeyOptions>>(),
                context.ApplicationServices.GetRequiredService<ApiKeyFailures>(), forReads: true);
            return invocation => filter.InvokeAsync(invocation, next);
        });

    // A token bucket per client (IPv4 address or IPv6 /64): bursts are allowed, the sustained rate is the per-minute limit.
    private static RateLimitPartition<string> PerClient(HttpContext context, Func<RateLimitingOptions, int> perMinute)
    {
        var limit = perMinute(context.RequestServices.GetRequiredService<IOptions<RateLimitingOptions>>().Value);
        var client = ClientPartition.Of(context);
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
