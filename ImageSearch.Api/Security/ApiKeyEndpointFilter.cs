using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ImageSearch.Api.Security;

/// <summary>Lets a request through only with the right <c>X-Api-Key</c>; compares in constant time, never logs the key.</summary>
internal sealed class ApiKeyEndpointFilter(IOptions<ApiKeyOptions> options, bool forReads) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var settings = options.Value;
        if (forReads && !settings.RequireForReads)
        {
            return await next(context);
        }

        if (string.IsNullOrEmpty(settings.Key))
        {
            return Unauthorized("The server has no API key configured, so it accepts no changes.");
        }

        var presented = context.HttpContext.Request.Headers[ApiKeyOptions.HeaderName].ToString();
        if (presented.Length == 0)
        {
            return Unauthorized($"Send the API key in the {ApiKeyOptions.HeaderName} header.");
        }

        return Matches(presented, settings.Key)
            ? await next(context)
            : Unauthorized("The API key is not valid.");
    }

    // FixedTimeEquals returns at once when lengths differ; comparing fixed-size hashes hides the key's length too.
    private static bool Matches(string presented, string key) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static ProblemHttpResult Unauthorized(string detail) =>
        TypedResults.Problem(title: "Unauthorized", detail: detail, statusCode: StatusCodes.Status401Unauthorized);
}
