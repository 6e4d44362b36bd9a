using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

public static class Extensions
{
    // Settings, from the command line (--Mode=local), the environment (Mode=local) or appsettings.json.
    private const string ModeSetting = "Mode";
    private const string WorkersSetting = "Workers";
    private const string LocalRedisServerSetting = "LocalRedisServer";
    private const string LocalDataPathSetting = "LocalDataPath";
    private const string ImageRootSetting = "ImageRoot";
    private const string TrustedProxyNetworksSetting = "TrustedProxyNetworks";

    private const string QdrantImage = "qdrant/qdrant";
    private const string QdrantTag = "v1.15.5";

    /// <summary>
    /// Publish mode always describes containers; otherwise the <c>Mode</c> setting decides, and when it is
    /// absent the container runtime is asked whether it answers.
    /// </summary>
    public static HostingMode ResolveHostingMode(this IDistributedApplicationBuilder builder)
    {
        HostingMode mode;
        string reason;
        if (builder.ExecutionContext.IsPublishMode)
        {
            (mode, reason) = (HostingMode.Containers, "publish mode always describes containers");
        }
        else if (builder.Configuration[ModeSetting] is { Length: > 0 } configured)
        {
            mode = ParseMode(configured);
            reason = $"{ModeSetting}={configured}";
        }
        else
        {
            var runtime = builder.Configuration["ASPIRE_CONTAINER_RUNTIME"] ?? "docker";
            mode = ContainerRuntimeProbe.IsAvailable(runtime) ? HostingMode.Containers : HostingMode.Local;
            reason = mode == HostingMode.Containers ? $"{runtime} answered" : $"no container runtime answered ({runtime})";
        }

        builder.Eventing.Subscribe<BeforeStartEvent>((@event, _) =>
        {
            @event.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ImageSearch.AppHost")
                .LogInformation("Hosting mode: {Mode} ({Reason})", mode, reason);
            return Task.CompletedTask;
        });

        return mode;
    }

    public static int GetWorkerReplicas(this IDistributedApplicationBuilder builder)
    {
        var replicas = builder.Configuration.GetValue(WorkersSetting, 2);
        return replicas >= 1
            ? replicas
            : throw new DistributedApplicationException($"{WorkersSetting} must be at least 1, not {replicas}.");
    }

    /// <summary>The Redis-protocol server that holds the queue (and, in local mode, the vectors).</summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddRedisServer(
        this IDistributedApplicationBuilder builder, string name, HostingMode mode)
    {
        if (mode == HostingMode.Containers)
        {
            // Volume names are fixed so the committed manifest does not depend on where the repo lives.
            return builder.AddRedis(name)
                .WithDataVolume($"imagesearch-{name}-data")
                .WithAppendOnlyFile()
                .WithCompactTaskRecords();
        }

        var dataPath = builder.GetLocalDataPath();
        return builder.Configuration[LocalRedisServerSetting] switch
        {
            null or "" or "auto" => LocalRedisServers.FindRedisServer() is { } redisServer
                ? builder.AddLocalRedisServer(name, redisServer, dataPath)
                : builder.AddLocalGarnetServer(name, dataPath),
            "redis-server" => builder.AddLocalRedisServer(name,
                LocalRedisServers.FindRedisServer() ?? throw new DistributedApplicationException(
                    $"{LocalRedisServerSetting}=redis-server, but redis-server is not on PATH."), dataPath),
            "garnet" => builder.AddLocalGarnetServer(name, dataPath),
            var other => throw new DistributedApplicationException(
                $"{LocalRedisServerSetting} must be auto, redis-server or garnet, not '{other}'.")
        };
    }

    /// <summary>
    /// The folder image paths are relative to. API and workers get the same one, so a worker can read every
    /// image the API accepts. Publishing leaves it to the deployment (the services default to ./images).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithImageRoot(this IResourceBuilder<ProjectResource> service)
    {
        var builder = service.ApplicationBuilder;
        if (!builder.ExecutionContext.IsRunMode)
        {
            return service;
        }

        var imageRoot = builder.Configuration[ImageRootSetting] is { Length: > 0 } configured
            ? Path.GetFullPath(configured, builder.AppHostDirectory)
            : Path.Combine(builder.GetLocalDataPath(), "images");
        Directory.CreateDirectory(imageRoot);
        return service.WithEnvironment("ImageLoader__ImageRoot", imageRoot);
    }

    /// <summary>
    /// Two glibc malloc arenas instead of up to eight per core: image decoding and inference allocate from many threads,
    /// and the freed buffers stay scattered over the arenas. The services also cap them in process, but only once the
    /// model loads; under the `soak` benchmark the API's resident memory grew 6.1 MB/min without this and 0.4 with it.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithNativeHeapLimits(this IResourceBuilder<ProjectResource> service) =>
        service.WithEnvironment("MALLOC_ARENA_MAX", "2");

    /// <summary>
    /// A 16 MB gen0 budget for the API. Workstation GC keeps its own at a few MB, so under enqueue load the API collected
    /// about 20 times a second and the objects of requests still in flight were promoted and collected again in gen1
    /// (http benchmark, 64 connections: 318 gen0 and 215 gen1 collections and 0.73 s of pauses in 15 s; with 16 MB, 134,
    /// 1 and 0.21 s, and about 12 MB more resident). The runtime reads this one from the environment only.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithGen0Budget(this IResourceBuilder<ProjectResource> service) =>
        service.WithEnvironment("DOTNET_GCgen0size", "0x1000000");

    /// <summary>
    /// Forwarded headers are believed only from the networks named in <c>TrustedProxyNetworks</c> (comma-separated
    /// CIDRs, such as the ingress's subnet). Aspire's publisher turns ASPNETCORE_FORWARDEDHEADERS_ENABLED on, which would
    /// believe any client's X-Forwarded-For and so let it choose the address its rate limits count; it is turned off.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithTrustedProxies(this IResourceBuilder<ProjectResource> service)
    {
        service.WithEnvironment("ASPNETCORE_FORWARDEDHEADERS_ENABLED", "false");
        var networks = (service.ApplicationBuilder.Configuration[TrustedProxyNetworksSetting] ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = 0; i < networks.Length; i++)
        {
            service.WithEnvironment($"ForwardedHeaders__KnownNetworks__{i}", networks[i]);
        }

        return service;
    }

    /// <summary>The key that mutating API calls need (X-Api-Key), generated once and kept in user secrets.</summary>
    public static IResourceBuilder<ParameterResource> AddApiKey(this IDistributedApplicationBuilder builder, string name) =>
        builder.AddParameter(name, new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);

    private static string GetLocalDataPath(this IDistributedApplicationBuilder builder) =>
        builder.Configuration[LocalDataPathSetting] is { Length: > 0 } configured
            ? Path.GetFullPath(configured, builder.AppHostDirectory)
            : Path.Combine(builder.AppHostDirectory, ".data");

    /// <summary>Qdrant with a generated API key and its storage on a named volume.</summary>
    public static IResourceBuilder<QdrantServerResource> AddQdrantServer(this IDistributedApplicationBuilder builder, string name)
    {
        var apiKey = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-key", special: false);
        return builder.AddResource(new QdrantServerResource(name, apiKey))
            .WithImage(QdrantImage, QdrantTag)
            .WithImageRegistry("docker.io")
            .WithHttpEndpoint(targetPort: 6333, name: QdrantServerResource.HttpEndpointName)
            .WithEndpoint(targetPort: 6334, name: QdrantServerResource.GrpcEndpointName, scheme: "http")
            .WithEnvironment("QDRANT__SERVICE__API_KEY", apiKey)
            .WithEnvironment("QDRANT__TELEMETRY_DISABLED", "true")
            .WithHttpHealthCheck("/readyz", endpointName: QdrantServerResource.HttpEndpointName)
            .WithVolume($"imagesearch-{name}-data", "/qdrant/storage");
    }

    private static HostingMode ParseMode(string value) => value.ToLowerInvariant() switch
    {
        "local" => HostingMode.Local,
        "containers" or "container" => HostingMode.Containers,
        _ => throw new DistributedApplicationException($"{ModeSetting} must be 'local' or 'containers', not '{value}'.")
    };

    // AddRedis only offers RDB snapshots; the queue needs every acknowledged write on disk.
    private static IResourceBuilder<RedisResource> WithAppendOnlyFile(this IResourceBuilder<RedisResource> redis) =>
        redis.WithArgs(context =>
        {
            // AddRedis passes one shell command line as its last argument.
            context.Args[^1] = $"{context.Args[^1]} --appendonly yes --appendfsync everysec";
        });

    private static IResourceBuilder<RedisResource> WithCompactTaskRecords(this IResourceBuilder<RedisResource> redis) =>
        redis.WithArgs(context => context.Args[^1] = $"{context.Args[^1]} --hash-max-listpack-value {RedisTuning.HashMaxListpackValue}");
}
