using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ImageSearch.Tests.Observability;

// The service defaults register OpenTelemetry only when there is a collector to send to.
public sealed class ServiceDefaultsTelemetryTests
{
    [Fact]
    public void Without_an_OTLP_endpoint_no_tracer_or_meter_provider_is_registered()
    {
        using var host = BuildHost(otlpEndpoint: null);

        Assert.Null(host.Services.GetService<TracerProvider>());
        Assert.Null(host.Services.GetService<MeterProvider>());
    }

    [Fact]
    public void With_an_OTLP_endpoint_traces_and_metrics_are_collected()
    {
        using var host = BuildHost(otlpEndpoint: "http://127.0.0.1:4317");

        Assert.NotNull(host.Services.GetService<TracerProvider>());
        Assert.NotNull(host.Services.GetService<MeterProvider>());
    }

    // ASP.NET Core starts an Activity and a log scope for every request whenever this category logs at any level.
    [Theory]
    [InlineData(null, false)]
    [InlineData("http://127.0.0.1:4317", true)]
    public void Requests_get_the_hosting_activity_only_when_traces_are_collected(string? otlpEndpoint, bool expected)
    {
        using var host = BuildHost(otlpEndpoint);

        var hosting = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics");
        Assert.Equal(expected, hosting.IsEnabled(LogLevel.Critical));
    }

    [Fact]
    public void A_level_configured_for_the_hosting_category_is_kept_without_an_OTLP_endpoint()
    {
        using var host = BuildHost(otlpEndpoint: null, hostingLogLevel: "Information");

        var hosting = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics");
        Assert.True(hosting.IsEnabled(LogLevel.Information));
    }

    // An empty builder: the test process's own environment variables must not decide. A console logger, as every
    // service has one, so that logging alone would be enabled.
    private static IHost BuildHost(string? otlpEndpoint, string? hostingLogLevel = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "telemetry-test" });
        builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlpEndpoint;
        builder.Configuration["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = hostingLogLevel;
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddConsole();
        builder.AddServiceDefaults();
        return builder.Build();
    }
}
