var builder = DistributedApplication.CreateBuilder(args);

var mode = builder.ResolveHostingMode();

var redis = builder.AddRedisServer("redis", mode);
var apiKey = builder.AddApiKey("api-key");

var api = builder.AddProject<Projects.ImageSearch_Api>("api")
    .WithReference(redis).WaitFor(redis)
    .WithEnvironment("ApiKey__Key", apiKey)
    .WithImageRoot()
    .WithTrustedProxies()
    .WithNativeHeapLimits()
    .WithGen0Budget()
    .WithHttpHealthCheck("/health");

var workers = builder.GetWorkerReplicas();
var worker = builder.AddProject<Projects.ImageSearch_Worker>("worker")
    .WithReference(redis).WaitFor(redis)
    .WithImageRoot()
    .WithNativeHeapLimits()
    .WithHttpHealthCheck("/health")
    .WithReplicas(workers);
if (builder.ExecutionContext.IsRunMode)
{
    // The replicas share this host's cores: each one's inference and decoding threads default to its share.
    worker.WithEnvironment("Embedding__HostReplicas", workers.ToString(System.Globalization.CultureInfo.InvariantCulture));
}

if (mode == HostingMode.Containers)
{
    var qdrant = builder.AddQdrantServer("qdrant");
    api.WithReference(qdrant).WaitFor(qdrant);
    worker.WithReference(qdrant).WaitFor(qdrant);
}

builder.Build().Run();
