using System.Security.Cryptography;

namespace ImageSearch.Benchmarks.Topology;

/// <summary>What to start: the services' build, the worker count, and settings passed as environment variables.</summary>
public sealed record DeploymentSettings(
    ServiceBuild Build,
    int Workers,
    string ImageRoot,
    bool RedisAppendOnly,
    IReadOnlyDictionary<string, string> ApiEnvironment,
    IReadOnlyDictionary<string, string> WorkerEnvironment);

/// <summary>
/// The system as it is deployed, without the AppHost: its own redis-server, the API and N worker processes, each
/// run with <c>dotnet</c> from the build's output, on loopback ports, with a generated API key and rate limits
/// high enough not to be what is measured. Stops them all when disposed.
/// </summary>
public sealed class Deployment : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    private readonly List<ChildProcess> _services = [];

    private Deployment(DeploymentSettings settings, RedisServer redis, string runDirectory)
    {
        Settings = settings;
        Redis = redis;
        RunDirectory = runDirectory;
        ApiKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
    }

    public DeploymentSettings Settings { get; }

    public RedisServer Redis { get; }

    public string RunDirectory { get; }

    public string ApiKey { get; }

    public Uri ApiAddress { get; private set; } = null!;

    public ChildProcess Api { get; private set; } = null!;

    public IReadOnlyList<ChildProcess> Workers => _services.Where(service => service != Api).ToList();

    /// <summary>Every process of the deployment: redis-server, the API, the workers.</summary>
    public IReadOnlyList<ChildProcess> Processes => [Redis.Process, .. _services];

    /// <summary>An HTTP client for the API that sends the key.</summary>
    public HttpClient CreateClient(int maxConnections = 64)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = maxConnections, UseProxy = false })
        {
            BaseAddress = ApiAddress,
            Timeout = TimeSpan.FromMinutes(2)
        };
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return client;
    }

    public static async Task<Deployment> StartAsync(DeploymentSettings settings, string name)
    {
        var runDirectory = Directory.CreateTempSubdirectory($"imagesearch-bench-{name}-").FullName;
        var redis = await RedisServer.StartAsync("redis", runDirectory, settings.RedisAppendOnly);
        var deployment = new Deployment(settings, redis, runDirectory);
        try
        {
            await deployment.StartServicesAsync();
            return deployment;
        }
        catch
        {
            await deployment.DisposeAsync();
            throw;
        }
    }

    private async Task StartServicesAsync()
    {
        var apiPort = FreePort.Next();
        ApiAddress = new Uri($"http://127.0.0.1:{apiPort}");
        var apiEnvironment = new Dictionary<string, string?>
        {
            ["ApiKey__Key"] = ApiKey,
            ["RateLimiting__EnqueuePerMinute"] = "1000000",
            ["RateLimiting__SearchPerMinute"] = "1000000"
        };
        if (Settings.Build.IsThisCheckout)
        {
            // As this checkout's AppHost starts it (WithGen0Budget). A build given with --services runs with the runtime's
            // own budget, as its AppHost may not set one; --api-env DOTNET_GCgen0size=0 asks for that here too.
            apiEnvironment["DOTNET_GCgen0size"] = "0x1000000";
        }

        Api = StartService("api", Settings.Build.ApiDll, apiPort, apiEnvironment, Settings.ApiEnvironment);

        var healthChecks = new List<Task> { WaitHealthyAsync(Api, ApiAddress) };
        for (var i = 0; i < Settings.Workers; i++)
        {
            var port = FreePort.Next();
            var worker = StartService($"worker-{i}", Settings.Build.WorkerDll, port,
                new Dictionary<string, string?>
                {
                    ["WORKER_ID"] = $"bench-worker-{i}",
                    // As the AppHost tells its replicas: each takes its share of the cores for inference and decoding.
                    ["Embedding__HostReplicas"] = Settings.Workers.ToString(System.Globalization.CultureInfo.InvariantCulture)
                }, Settings.WorkerEnvironment);
            healthChecks.Add(WaitHealthyAsync(worker, new Uri($"http://127.0.0.1:{port}")));
        }

        await Task.WhenAll(healthChecks);
    }

    private ChildProcess StartService(string name, string dll, int port, Dictionary<string, string?> environment,
        IReadOnlyDictionary<string, string> extra)
    {
        environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        environment["DOTNET_ENVIRONMENT"] = "Production";
        environment["ConnectionStrings__redis"] = Redis.ConnectionString;
        environment["ImageLoader__ImageRoot"] = Settings.ImageRoot;
        // Nothing collects telemetry here; an inherited exporter address would send it somewhere.
        environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = null;
        // As the AppHost starts them (WithNativeHeapLimits); --api-env / --worker-env can set it otherwise.
        environment["MALLOC_ARENA_MAX"] = "2";
        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }

        var process = ChildProcess.Start(name, "dotnet", [dll], Path.GetDirectoryName(dll)!, environment, RunDirectory);
        _services.Add(process);
        return process;
    }

    private static async Task WaitHealthyAsync(ChildProcess process, Uri address)
    {
        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.Name} exited while starting; see {process.LogPath}.");
            }

            try
            {
                using var response = await client.GetAsync("/health");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{process.Name} was not healthy within {StartTimeout.TotalSeconds} s; see {process.LogPath}.");
    }

    /// <summary>Stops the workers, leaving Redis and the API running.</summary>
    public async Task StopWorkersAsync()
    {
        foreach (var worker in Workers)
        {
            await worker.DisposeAsync();
            _services.Remove(worker);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _services)
        {
            await service.DisposeAsync();
        }

        await Redis.DisposeAsync();
    }
}
