using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Writes the overall status as plain text, as probes and scripts expect, or, to a client that accepts JSON, each
/// check's status, so an operator sees which part is down. A failing check's description and exception (which may
/// name hosts, addresses or paths) stay in the service's log, written by the health check service; healthy checks
/// keep their description.
/// </summary>
public static class HealthReportWriter
{
    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        if (!context.Request.GetTypedHeaders().Accept.Any(type => type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)))
        {
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync(report.Status.ToString(), context.RequestAborted);
            return;
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        json.WriteNumber("duration_ms", report.TotalDuration.TotalMilliseconds);
        json.WriteStartObject("entries");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject(name);
            json.WriteString("status", entry.Status.ToString());
            if (entry.Status == HealthStatus.Healthy)
            {
                json.WriteString("description", entry.Description);
            }

            json.WriteNumber("duration_ms", entry.Duration.TotalMilliseconds);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}
