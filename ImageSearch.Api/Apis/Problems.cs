namespace ImageSearch.Api.Apis;

/// <summary>
/// Every refusal has one shape: a ProblemDetails (application/problem+json) with <c>title</c>, <c>detail</c>,
/// <c>status</c> and <c>errors</c>, the input at fault → what is wrong with it (empty when no one input is at fault).
/// Problems the framework writes get an empty <c>errors</c> too (see SecurityExtensions).
/// </summary>
internal static class Problems
{
    public const string ErrorsKey = "errors";

    /// <summary>A refusal; <paramref name="field"/> names the input at fault, if one is.</summary>
    public static ProblemHttpResult Of(int status, string title, string detail, string? field = null) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: status, extensions: new Dictionary<string, object?>
        {
            [ErrorsKey] = field is null ? new Dictionary<string, string[]>() : new Dictionary<string, string[]> { [field] = [detail] }
        });

    /// <summary>400 for invalid input, every fault listed under its input's name.</summary>
    public static ProblemHttpResult Invalid(string title, IReadOnlyDictionary<string, string[]> errors) =>
        TypedResults.Problem(
            title: title,
            detail: string.Join(" ", errors.Values.SelectMany(messages => messages)),
            statusCode: StatusCodes.Status400BadRequest,
            extensions: new Dictionary<string, object?> { [ErrorsKey] = errors });

    public static ProblemHttpResult Invalid(string title, string field, string message) =>
        Invalid(title, new Dictionary<string, string[]> { [field] = [message] });
}
