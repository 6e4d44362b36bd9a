using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
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

    // An empty builder: the test process's own environment variables must not decide.
    private static IHost BuildHost(string? otlpEndpoint)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "telemetry-test" });
        builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlpEndpoint;
        builder.AddServiceDefaults();
        return builder.Build();
    }
}
