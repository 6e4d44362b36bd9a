using System.Diagnostics;
using StackExchange.Redis;

namespace ImageSearch.Tests.Infrastructure;

/// <summary>
/// A real three-node Redis Cluster: three redis-server processes in cluster mode on loopback ports,
/// joined by <c>redis-cli --cluster create</c> (every slot on a primary, no replicas), ready once every node says
/// <c>cluster_state:ok</c>.
/// </summary>
public sealed class RedisCluster : ITestRedis
{
    private const int NodeCount = 3;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private readonly List<RedisServer> _nodes;

    private RedisCluster(List<RedisServer> nodes) => _nodes = nodes;

    public RedisServerKind Kind => RedisServerKind.Cluster;

    public string ConnectionString =>
        string.Join(',', _nodes.Select(node => $"127.0.0.1:{node.Port}")) + $",password={RedisServer.Password},abortConnect=false";

    public static async Task<RedisCluster> StartAsync()
    {
        RedisServer.SkipUnlessRedisServerInstalled();
        var nodes = new List<RedisServer>();
        var cluster = new RedisCluster(nodes);
        try
        {
            for (var i = 0; i < NodeCount; i++)
            {
                nodes.Add(await RedisServer.StartClusterNodeAsync());
            }

            await RunAsync("redis-cli",
            [
                "-a", RedisServer.Password, "--no-auth-warning", "--cluster", "create",
                .. nodes.Select(node => $"127.0.0.1:{node.Port}"), "--cluster-replicas", "0", "--cluster-yes"
            ]);
            await cluster.WaitUntilReadyAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async Task<ConnectionMultiplexer> ConnectAsync() => await ConnectionMultiplexer.ConnectAsync(ConnectionString);

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }

    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        foreach (var node in _nodes)
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{node.Port},password={RedisServer.Password},allowAdmin=true");
            var server = connection.GetServer($"127.0.0.1:{node.Port}");
            // Each node learns of the others by gossip; until then it refuses the slots it does not know.
            while (!(await server.ExecuteAsync("CLUSTER", "INFO")).ToString().Contains("cluster_state:ok", StringComparison.Ordinal))
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"The cluster node on port {node.Port} never reported cluster_state:ok.");
                }

                await Task.Delay(100);
            }
        }
    }

    private static async Task RunAsync(string program, string[] arguments)
    {
        var startInfo = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"{program} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await output}{await errors}");
        }
    }
}
