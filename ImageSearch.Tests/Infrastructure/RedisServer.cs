using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace ImageSearch.Tests.Infrastructure;

/// <summary>
/// A real redis-server or Garnet process on a free loopback port, with a password and the append-only
/// file on, in a data folder of its own. It can be stopped, killed and started again on the same data.
/// </summary>
public sealed class RedisServer : ITestRedis
{
    public const string Password = "test-password";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private const int StartAttempts = 3;
    private const int OutputLinesKept = 20;

    private readonly string[] _extraArguments;
    private readonly ConcurrentQueue<string> _lastOutput = new();
    private Process? _process;

    private RedisServer(RedisServerKind kind, string dataDirectory, int port, string[] extraArguments)
    {
        Kind = kind;
        DataDirectory = dataDirectory;
        Port = port;
        _extraArguments = extraArguments;
    }

    public RedisServerKind Kind { get; }

    public string DataDirectory { get; }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port},password={Password},abortConnect=false,allowAdmin=true";

    /// <param name="extraArguments">More arguments for the server.</param>
    public static Task<RedisServer> StartAsync(RedisServerKind kind, string[]? extraArguments = null) =>
        StartOnFreePortAsync(kind, () => extraArguments ?? []);

    /// <summary>
    /// A redis-server with cluster mode on. Its cluster bus gets a free port of its own: the default, port + 10000,
    /// lies in the ephemeral range and may already be held by any outgoing connection of the machine.
    /// </summary>
    public static Task<RedisServer> StartClusterNodeAsync() => StartOnFreePortAsync(RedisServerKind.Redis, () =>
    [
        "--cluster-enabled", "yes", "--cluster-port", FreePort().ToString(), "--cluster-config-file", "nodes.conf",
        "--cluster-node-timeout", "5000", "--masterauth", Password
    ]);

    private static async Task<RedisServer> StartOnFreePortAsync(RedisServerKind kind, Func<string[]> extraArguments)
    {
        if (kind == RedisServerKind.Cluster)
        {
            throw new ArgumentException("A cluster is several servers: start it with RedisCluster.StartAsync.", nameof(kind));
        }

        if (kind == RedisServerKind.Redis)
        {
            SkipUnlessRedisServerInstalled();
        }

        for (var attempt = 1; ; attempt++)
        {
            var dataDirectory = Directory.CreateTempSubdirectory($"imagesearch-{kind.ToString().ToLowerInvariant()}-").FullName;
            var server = new RedisServer(kind, dataDirectory, FreePort(), extraArguments());
            try
            {
                await server.StartAsync();
                return server;
            }
            catch (ServerExitedException) when (attempt < StartAttempts)
            {
                // A port found free was taken by another process before the server bound it: try other ports.
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Garnet comes from NuGet and always runs; redis-server may be missing on a developer's machine, where the
    /// test is skipped. CI installs it, so there a missing redis-server fails the test instead.
    /// </summary>
    public static void SkipUnlessRedisServerInstalled()
    {
        var installed = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, "redis-server")));
        if (!installed && Environment.GetEnvironmentVariable("CI") != "true")
        {
            Assert.Skip("redis-server is not installed (apt-get install redis-server); the Garnet variant still runs.");
        }
    }

    public async Task<ConnectionMultiplexer> ConnectAsync() =>
        await ConnectionMultiplexer.ConnectAsync(ConnectionString);

    /// <summary>Starts the server (again) on the same port and data folder, and waits until it answers.</summary>
    public async Task StartAsync()
    {
        var startInfo = Kind switch
        {
            RedisServerKind.Redis => new ProcessStartInfo("redis-server",
            [
                "--bind", "127.0.0.1", "--port", Port.ToString(), "--requirepass", Password,
                "--dir", DataDirectory, "--appendonly", "yes", "--appendfsync", "always", "--save", "", .. _extraArguments
            ]),
            RedisServerKind.Garnet => new ProcessStartInfo("dotnet",
            [
                Path.Combine(AppContext.BaseDirectory, "ImageSearch.Garnet.dll"),
                "--bind", "127.0.0.1", "--port", Port.ToString(), "--lua", "--lua-transaction-mode",
                "--aof", "--storage-tier", "--device-type", "RandomAccess",
                "--logdir", DataDirectory, "--checkpointdir", DataDirectory, "--recover", .. _extraArguments
            ])
            {
                Environment = { ["REDIS_PASSWORD"] = Password }
            },
            _ => throw new ArgumentOutOfRangeException(nameof(Kind))
        };
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.UseShellExecute = false;

        _process = Process.Start(startInfo) ?? throw new InvalidOperationException($"{Kind} did not start.");
        _lastOutput.Clear();
        _process.OutputDataReceived += (_, line) => KeepOutput(line.Data);
        _process.ErrorDataReceived += (_, line) => KeepOutput(line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        await WaitUntilAnsweringAsync();
    }

    /// <summary>A clean shutdown (SIGTERM), as an operator's restart would do.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        Process.Start("kill", ["-TERM", process.Id.ToString()])!.WaitForExit();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>An abrupt end (SIGKILL), as a crash or power loss would do.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a dying process; the temp folder is cleaned by the OS.
        }
    }

    private async Task WaitUntilAnsweringAsync()
    {
        await Eventually.HoldsAsync(async () =>
        {
            if (_process!.HasExited)
            {
                return true;
            }

            await using var connection = await ConnectionMultiplexer.ConnectAsync(
                $"127.0.0.1:{Port},password={Password},abortConnect=true,connectTimeout=1000");
            await connection.GetDatabase().PingAsync();
            return true;
        }, $"{Kind} answers on port {Port}", StartTimeout);

        if (_process!.HasExited)
        {
            throw new ServerExitedException(
                $"{Kind} on port {Port} exited with code {_process.ExitCode} while starting:\n{string.Join('\n', _lastOutput)}");
        }
    }

    private void KeepOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lastOutput.Enqueue(line);
        while (_lastOutput.Count > OutputLinesKept && _lastOutput.TryDequeue(out _))
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class ServerExitedException(string message) : Exception(message);
}
