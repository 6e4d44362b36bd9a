using Microsoft.Extensions.DependencyInjection;

namespace Aspire.Hosting;

/// <summary>Local-mode Redis-protocol servers: redis-server when installed, else Garnet from NuGet.</summary>
internal static class LocalRedisServers
{
    private const string Loopback = "127.0.0.1";

    public static string? FindRedisServer() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "redis-server"))
            .FirstOrDefault(File.Exists);

    public static IResourceBuilder<LocalRedisServerResource> AddLocalRedisServer(
        this IDistributedApplicationBuilder builder, string name, string redisServerPath, string dataPath)
    {
        var dataDirectory = Path.Combine(dataPath, "redis-server");
        var password = CreatePassword(builder, name);
        var server = new LocalRedisServerResource(name, redisServerPath, dataDirectory, password);

        return builder.AddServer(server)
            .WithArgs(async context =>
            {
                // The password goes in a config file readable only by this user, not on the command line.
                var configPath = Path.Combine(dataDirectory, "redis.conf");
                await File.WriteAllTextAsync(configPath, $"""
                    bind {Loopback}
                    protected-mode yes
                    dir "{dataDirectory}"
                    appendonly yes
                    appendfsync everysec
                    hash-max-listpack-value {RedisTuning.HashMaxListpackValue}
                    requirepass "{await password.GetValueAsync(context.CancellationToken)}"
                    """, context.CancellationToken);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(configPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                context.Args.Add(configPath);
                context.Args.Add("--port");
                context.Args.Add(server.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
            });
    }

    public static IResourceBuilder<LocalRedisServerResource> AddLocalGarnetServer(
        this IDistributedApplicationBuilder builder, string name, string dataPath)
    {
        var dataDirectory = Path.Combine(dataPath, "garnet");
        var password = CreatePassword(builder, name);
        // ImageSearch.Garnet is referenced by this project, so its output sits beside ours.
        var garnetHost = Path.Combine(AppContext.BaseDirectory, "ImageSearch.Garnet.dll");
        var server = new LocalRedisServerResource(name, "dotnet", dataDirectory, password);

        return builder.AddServer(server)
            .WithEnvironment("REDIS_PASSWORD", password)
            .WithArgs(context =>
            {
                context.Args.Add(garnetHost);
                context.Args.Add("--bind");
                context.Args.Add(Loopback);
                context.Args.Add("--port");
                context.Args.Add(server.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
                // Without --lua-transaction-mode, Garnet does not run scripts atomically.
                foreach (var arg in (string[])["--lua", "--lua-transaction-mode",
                    "--aof", "--storage-tier", "--device-type", "RandomAccess",
                    "--logdir", dataDirectory, "--checkpointdir", dataDirectory, "--recover"])
                {
                    context.Args.Add(arg);
                }
            });
    }

    private static ParameterResource CreatePassword(IDistributedApplicationBuilder builder, string name) =>
        // No special characters: StackExchange.Redis cannot parse a password with a comma.
        ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);

    private static IResourceBuilder<LocalRedisServerResource> AddServer(
        this IDistributedApplicationBuilder builder, LocalRedisServerResource server)
    {
        Directory.CreateDirectory(server.WorkingDirectory);

        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(server, async (_, cancellationToken) =>
            connectionString = await ((IResourceWithConnectionString)server).GetConnectionStringAsync(cancellationToken));

        // The same PING check AddRedis registers, so WaitFor holds services until the server answers.
        var healthCheckKey = $"{server.Name}_check";
        builder.Services.AddHealthChecks().AddRedis(
            _ => connectionString ?? throw new InvalidOperationException("The connection string is not available yet."),
            name: healthCheckKey);

        return builder.AddResource(server)
            .WithEndpoint(name: LocalRedisServerResource.PrimaryEndpointName, scheme: "tcp")
            .WithHealthCheck(healthCheckKey);
    }
}
