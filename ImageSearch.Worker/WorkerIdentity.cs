namespace ImageSearch.Worker;

/// <summary>Picks the worker id once, at start.</summary>
internal static class WorkerIdentity
{
    public static string Resolve(IConfiguration configuration) =>
        configuration["worker-id"]
        ?? configuration["WORKER_ID"]
        // Aspire gives each replica its own service.instance.id, the name the dashboard shows.
        ?? ServiceInstanceId(configuration["OTEL_RESOURCE_ATTRIBUTES"])
        ?? $"{Environment.MachineName}-{Environment.ProcessId}";

    private static string? ServiceInstanceId(string? resourceAttributes) =>
        resourceAttributes?.Split(',')
            .Select(attribute => attribute.Split('=', 2))
            .Where(pair => pair is ["service.instance.id", { Length: > 0 }])
            .Select(pair => $"worker-{pair[1]}")
            .FirstOrDefault();
}
