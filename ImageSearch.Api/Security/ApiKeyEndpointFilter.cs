using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ImageSearch.Api.Security;

/// <summary>
/// Lets a request through only with the right <c>X-Api-Key</c>; compares in constant time, never logs the key, and
/// refuses a client that sent too many wrong keys (<see cref="ApiKeyFailures"/>) without looking at its key.
/// </summary>
internal sealed class ApiKeyEndpointFilter(IOptions<ApiKeyOptions> options, ApiKeyFailures failures, bool forReads) : IEndpointFilter
{
    // Not async: a request that passes goes on with next's own ValueTask, with no state machine of this filter around it.
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (forReads && !options.Value.RequireForReads)
        {
            return next(context);
        }

        return Check(context.HttpContext, options.Value, failures) is { } refusal
            ? ValueTask.FromResult<object?>(refusal)
            : next(context);
    }

    /// <summary>Null when the request carries the right key; otherwise the refusal to send.</summary>
    public static ProblemHttpResult? Check(HttpContext context, ApiKeyOptions settings, ApiKeyFailures failures)
    {
        if (string.IsNullOrEmpty(settings.Key))
        {
            return Unauthorized("The server has no API key configured, so it accepts no changes.");
        }

        var presented = context.Request.Headers[ApiKeyOptions.HeaderName].ToString();
        if (presented.Length == 0)
        {
            return Unauthorized($"Send the API key in the {ApiKeyOptions.HeaderName} header.");
        }

        var client = ClientPartition.Of(context);
        if (!failures.MayTry(client))
        {
            context.Response.Headers.RetryAfter = "60";
            return Problems.Of(StatusCodes.Status429TooManyRequests, "Too many requests",
                "Too many wrong API keys from this client; retry after 60 s.");
        }

        if (Matches(presented, settings.KeyHash()))
        {
            return null;
        }

        failures.Record(client);
        return Unauthorized("The API key is not valid.");
    }

    // FixedTimeEquals returns at once when lengths differ; comparing fixed-size hashes hides the key's length too.
    private static bool Matches(string presented, byte[] keyHash) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), keyHash);

    private static ProblemHttpResult Unauthorized(string detail) =>
        Problems.Of(StatusCodes.Status401Unauthorized, "Unauthorized", detail, ApiKeyOptions.HeaderName);
}
