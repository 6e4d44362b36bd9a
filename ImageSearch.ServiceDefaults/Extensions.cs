using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

// Shared by every service: telemetry, health checks, service discovery and HttpClient resilience.
public static class Extensions
{
    private const string HealthEndpointPath = "/health";
    private const string AlivenessEndpointPath = "/alive";
    private const string HostingDiagnosticsCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    /// <summary>The meter every ImageSearch component reports under, and the prefix of its activity sources.</summary>
    public const string TelemetryName = "ImageSearch";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        return builder;
    }

    /// <summary>
    /// Logs, metrics and traces over OTLP, when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> names a collector (the AppHost always
    /// gives one: its dashboard). Without one the SDK is not registered at all, because spans and measurements with
    /// nowhere to go still cost every request: 7–12 % of the API's enqueue throughput at 10 connections (http benchmark).
    /// </summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            // ASP.NET Core also starts an Activity and a log scope for every request while its hosting category logs at
            // any level, only so that log scopes carry trace ids. With no collector no trace is kept; its request logs
            // (Information) are off by default anyway. Startup failures are still logged by the host itself. A level
            // configured for the category (to see request logs) is left alone.
            if (builder.Configuration[$"Logging:LogLevel:{HostingDiagnosticsCategory}"] is null)
            {
                builder.Logging.AddFilter(HostingDiagnosticsCategory, LogLevel.None);
            }

            return builder;
        }

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddMeter(TelemetryName);
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource(builder.Environment.ApplicationName)
                    // "ImageSearch" and its parts ("ImageSearch.Imaging" for the decoder's spans).
                    .AddSource(TelemetryName, TelemetryName + ".*")
                    .AddAspNetCoreInstrumentation(options =>
                        // Health probes would otherwise flood the trace view.
                        options.Filter = context =>
                            !context.Request.Path.StartsWithSegments(HealthEndpointPath)
                            && !context.Request.Path.StartsWithSegments(AlivenessEndpointPath))
                    .AddHttpClientInstrumentation();
            })
            .UseOtlpExporter();

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);

        return builder;
    }

    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        // All checks must pass for the service to take traffic; only "live" ones decide whether it is restarted.
        app.MapHealthChecks(HealthEndpointPath, new HealthCheckOptions { ResponseWriter = HealthReportWriter.WriteAsync });
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains("live")
        });

        return app;
    }
}
