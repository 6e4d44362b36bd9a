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

        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(settings.Key))
            ? await next(context)
            : Unauthorized("The API key is not valid.");
    }

    private static ProblemHttpResult Unauthorized(string detail) =>
        TypedResults.Problem(title: "Unauthorized", detail: detail, statusCode: StatusCodes.Status401Unauthorized);
}
