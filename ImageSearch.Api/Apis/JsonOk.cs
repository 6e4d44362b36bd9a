using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace ImageSearch.Api.Apis;

/// <summary>
/// A 200 with a JSON body, sent with its Content-Length. <see cref="Ok{TValue}"/> streams the body, so Kestrel frames
/// it chunked and sends the closing chunk as a packet of its own once the handler returns: two sends a response where
/// one does, on the enqueue path that is about a third of the API's socket writes. The bodies here are small and
/// bounded (a page, a batch of at most 1,000 tasks), so serializing them whole first costs less than the extra send.
/// </summary>
public sealed class JsonOk<TValue>(TValue value)
    : IResult, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<TValue>, IEndpointMetadataProvider
{
    public TValue Value { get; } = value;

    object? IValueHttpResult.Value => Value;

    public int StatusCode => StatusCodes.Status200OK;

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var options = httpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var body = JsonSerializer.SerializeToUtf8Bytes(Value, (JsonTypeInfo<TValue>)options.GetTypeInfo(typeof(TValue)));

        var response = httpContext.Response;
        response.StatusCode = StatusCode;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, httpContext.RequestAborted).AsTask();
    }

    // What Ok<TValue> declares, so the OpenAPI document is unchanged.
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(TValue), ["application/json"]));
}

public static class JsonOk
{
    public static JsonOk<TValue> Of<TValue>(TValue value) => new(value);
}
