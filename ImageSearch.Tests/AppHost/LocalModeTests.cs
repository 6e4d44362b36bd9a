using System.Net.Http.Json;
using System.Text.Json;
using ImageSearch.Tests.Infrastructure;

namespace ImageSearch.Tests.AppHost;

// Starts the whole application as `dotnet run --project ImageSearch.AppHost` would, with no container runtime.
public class LocalModeTests
{
    [Theory]
    [InlineData("redis-server")]
    [InlineData("garnet")]
    public async Task Every_resource_becomes_healthy_and_both_workers_register(string redisServer)
    {
        if (redisServer == "redis-server")
        {
            RedisServer.SkipUnlessRedisServerInstalled();
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TestAppHost.StartTimeout);
        var cancellationToken = timeout.Token;
        var dataPath = Directory.CreateTempSubdirectory("imagesearch-apphost-").FullName;

        await using (var app = await TestAppHost.StartAsync(
            ["--Mode=local", $"--LocalRedisServer={redisServer}", $"--LocalDataPath={dataPath}"], cancellationToken))
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync("redis", cancellationToken);

            using var http = app.CreateHttpClient("api");
            Assert.Equal("Healthy", await http.GetStringAsync("/health", cancellationToken));

            var workers = await WaitForWorkersAsync(http, count: 2, cancellationToken);
            Assert.Equal(2, workers.GetProperty("worker_count").GetInt32());
            var ids = workers.GetProperty("workers").EnumerateArray().Select(w => w.GetProperty("worker_id").GetString()).ToList();
            Assert.Equal(2, ids.Distinct().Count());
        }

        // Stopping the application stops the server it started, along with everything else.
        Assert.Empty(ProcessesMentioning(dataPath));
        Directory.Delete(dataPath, recursive: true);
    }

    private static async Task<JsonElement> WaitForWorkersAsync(HttpClient http, int count, CancellationToken cancellationToken)
    {
        // Workers register with their first heartbeat, shortly after they start; there is no event to await.
        while (true)
        {
            var workers = await http.GetFromJsonAsync<JsonElement>("/queue/workers", cancellationToken);
            if (workers.GetProperty("worker_count").GetInt32() >= count)
            {
                return workers;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    private static IEnumerable<int> ProcessesMentioning(string text) =>
        Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => int.TryParse(name, out _))
            .Where(pid => ReadCommandLine(pid!).Contains(text, StringComparison.Ordinal))
            .Select(pid => int.Parse(pid!));

    private static string ReadCommandLine(string pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }
}
