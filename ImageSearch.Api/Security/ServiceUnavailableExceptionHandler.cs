using Microsoft.AspNetCore.Diagnostics;

namespace ImageSearch.Api.Security;

/// <summary>
/// While Redis (or the vector store) cannot be reached, every endpoint that needs it answers 503 with Retry-After,
/// not 500: the outage is the server's, passing, and the client may simply retry. The multiplexer reconnects by
/// itself, so the API serves again as soon as Redis is back.
/// </summary>
internal sealed partial class ServiceUnavailableExceptionHandler(IProblemDetailsService problemDetails, ILogger<ServiceUnavailableExceptionHandler> logger)
    : IExceptionHandler
{
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsUnavailable(exception) || httpContext.Response.HasStarted)
        {
            return false;
        }

        LogUnavailable(logger, httpContext.Request.Method, httpContext.Request.Path, exception.GetType().Name, exception);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Service unavailable",
                Detail = $"The queue or index store cannot be reached right now; retry after {RetryAfterSeconds} s."
            }
        });
    }

    public static bool IsUnavailable(Exception exception) => exception switch
    {
        VectorStoreUnavailableException or RedisConnectionException or RedisTimeoutException => true,
        // A restarted server answers LOADING while it replays its append-only file.
        RedisServerException server => server.Message.StartsWith("LOADING", StringComparison.Ordinal)
                                       || server.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
                                       || server.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal),
        AggregateException { InnerExceptions: [var inner] } => IsUnavailable(inner),
        _ => false
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered 503: the store is unavailable ({ExceptionType})")]
    private static partial void LogUnavailable(ILogger logger, string method, string path, string exceptionType, Exception exception);
}
