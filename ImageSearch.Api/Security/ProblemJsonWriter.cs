using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace ImageSearch.Api.Security;

/// <summary>
/// Writes every problem as application/problem+json, whatever the request's Accept header says: the framework's own
/// writer declines a client that does not accept JSON, which would leave a refusal with an empty or plain-text body,
/// and this API has one error shape.
/// </summary>
internal sealed class ProblemJsonWriter(IOptions<ProblemDetailsOptions> problemOptions, IOptions<JsonOptions> jsonOptions) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public async ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var response = context.HttpContext.Response;
        var problem = context.ProblemDetails;
        problem.Status ??= response.StatusCode;
        problem.Title ??= ReasonPhrases.GetReasonPhrase(problem.Status.Value);
        problem.Extensions.TryAdd("trace_id", Activity.Current?.Id ?? context.HttpContext.TraceIdentifier);
        problemOptions.Value.CustomizeProblemDetails?.Invoke(context);

        response.ContentType = "application/problem+json";
        await JsonSerializer.SerializeAsync(response.Body, problem, problem.GetType(), jsonOptions.Value.SerializerOptions, context.HttpContext.RequestAborted);
    }
}
