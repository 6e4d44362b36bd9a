using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace ImageSearch.Api.Security;

/// <summary>
/// Turns the framework's bad-request exceptions (malformed or too deep JSON, wrong content type, body too large)
/// into a ProblemDetails with their reason and status, so a client's mistake is never answered with a 500.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } => (StatusCodes.Status400BadRequest, "Malformed JSON", Describe(json)),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } bad => (bad.StatusCode, "Request body too large", bad.Message),
            BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } bad => (bad.StatusCode, "Unsupported content type", bad.Message),
            // The framework's words here ("Implicit body inferred for parameter ...") speak to the developer, not the client.
            BadHttpRequestException { StatusCode: StatusCodes.Status400BadRequest } when httpContext.Request.ContentLength == 0
                && httpContext.Request.HasJsonContentType() => (StatusCodes.Status400BadRequest, "Empty body", "The request has no body: send it as JSON."),
            BadHttpRequestException bad => (bad.StatusCode, "Bad request", bad.Message),
            JsonException json => (StatusCodes.Status400BadRequest, "Malformed JSON", Describe(json)),
            _ => (0, "", "")
        };
        if (status == 0 || httpContext.Response.HasStarted)
        {
            return false;
        }

        httpContext.Response.StatusCode = status;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail }
        });
    }

    // The reader's own words say where the JSON went wrong ("'x' is an invalid start of a value. Path: $.metadata | LineNumber: 0").
    private static string Describe(JsonException error) => $"The body is not valid JSON for this endpoint: {error.Message}";
}
