using System.Net.Sockets;
using System.Security.Cryptography;

namespace ImageSearch.Benchmarks.Topology;

/// <summary>
/// A throwaway redis-server on a free loopback port with a generated password, its files in a folder of the run.
/// With <c>appendOnly</c> it persists as local mode does (AOF, fsync every second); without, it keeps nothing.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private RedisServer(ChildProcess process, int port, string password)
    {
        _process = process;
        Port = port;
        Password = password;
    }

    public int Port { get; }

    public string Password { get; }

    public ChildProcess Process => _process;

    /// <summary>The StackExchange.Redis configuration string the services are given.</summary>
    public string ConnectionString => $"127.0.0.1:{Port},password={Password}";

    public static async Task<RedisServer> StartAsync(string name, string runDirectory, bool appendOnly)
    {
        var port = FreePort.Next();
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var dataDirectory = Directory.CreateDirectory(Path.Combine(runDirectory, name)).FullName;
        // The password goes in a config file, not on the command line where any user could read it. Task records are kept
        // as listpacks, as the AppHost runs redis-server (its RedisTuning says why).
        var configPath = Path.Combine(dataDirectory, "redis.conf");
        await File.WriteAllTextAsync(configPath, $"""
            bind 127.0.0.1
            port {port}
            protected-mode yes
            dir "{dataDirectory}"
            save ""
            appendonly {(appendOnly ? "yes" : "no")}
            appendfsync everysec
            hash-max-listpack-value 1024
            requirepass "{password}"
            """);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(configPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        // Debian's redis-server picks its role from the name it is started by, so it must be started as "redis-server".
        var process = ChildProcess.Start(name, "redis-server", [configPath], dataDirectory, new Dictionary<string, string?>(), runDirectory);
        var server = new RedisServer(process, port, password);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                return server;
            }
            catch (SocketException) when (attempt < 100 && !process.HasExited)
            {
                await Task.Delay(50);
            }
            catch
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"redis-server did not answer on port {port}; see {process.LogPath}.");
            }
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
