using System.Text.Json;

namespace ImageSearch.Api.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        // Registers the multiplexer, its health check and its traces.
        builder.AddRedisClient("redis");

        builder.Services.AddProblemDetails();
        // The JSON contract of the service this replaces is snake_case.
        builder.Services.ConfigureHttpJsonOptions(options =>
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);

        builder.Services.AddSingleton<WorkerRegistry>();

        builder.Services.AddOptions<SearchOptions>()
            .BindConfiguration(SearchOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
    }
}
