var builder = DistributedApplication.CreateBuilder(args);

var mode = builder.ResolveHostingMode();

var redis = builder.AddRedisServer("redis", mode);
var apiKey = builder.AddApiKey("api-key");

var api = builder.AddProject<Projects.ImageSearch_Api>("api")
    .WithReference(redis).WaitFor(redis)
    .WithEnvironment("ApiKey__Key", apiKey)
    .WithImageRoot()
    .WithTrustedProxies()
    .WithHttpHealthCheck("/health");

var worker = builder.AddProject<Projects.ImageSearch_Worker>("worker")
    .WithReference(redis).WaitFor(redis)
    .WithImageRoot()
    .WithHttpHealthCheck("/health")
    .WithReplicas(builder.GetWorkerReplicas());

if (mode == HostingMode.Containers)
{
    var qdrant = builder.AddQdrantServer("qdrant");
    api.WithReference(qdrant).WaitFor(qdrant);
    worker.WithReference(qdrant).WaitFor(qdrant);
}

builder.Build().Run();
