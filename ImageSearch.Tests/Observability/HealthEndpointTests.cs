using System.Net.Http.Headers;
using System.Text.Json;
using ImageSearch.Tests.Infrastructure;

namespace ImageSearch.Tests.Observability;

// /health through the real AppHost (local mode): each part the API needs reports on its own.
public class HealthEndpointTests
{
    [Fact]
    public async Task The_api_reports_redis_vector_store_and_model_readiness_separately()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TestAppHost.StartTimeout);
        var cancellationToken = timeout.Token;
        var dataPath = Directory.CreateTempSubdirectory("imagesearch-health-").FullName;

        await using (var app = await TestAppHost.StartAsync(
            ["--Mode=local", "--LocalRedisServer=garnet", $"--LocalDataPath={dataPath}", "--Workers=1"], cancellationToken))
        {
            using var http = app.CreateHttpClient("api");

            // Probes get the plain status, as before.
            Assert.Equal("Healthy", await http.GetStringAsync("/health", cancellationToken));
            Assert.Equal("Healthy", await http.GetStringAsync("/alive", cancellationToken));

            using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await http.SendAsync(request, cancellationToken);
            var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement;

            Assert.Equal("Healthy", report.GetProperty("status").GetString());
            var entries = report.GetProperty("entries");
            foreach (var check in new[] { "self", "vector-store", "embedding-model" })
            {
                Assert.Equal("Healthy", entries.GetProperty(check).GetProperty("status").GetString());
            }

            // The Redis client's own check, whatever Aspire names it.
            Assert.Contains(entries.EnumerateObject(), entry => entry.Name.Contains("redis", StringComparison.OrdinalIgnoreCase)
                && entry.Value.GetProperty("status").GetString() == "Healthy");
            Assert.Contains("resnet18", entries.GetProperty("embedding-model").GetProperty("description").GetString(), StringComparison.OrdinalIgnoreCase);
            Assert.Contains("index loaded", entries.GetProperty("vector-store").GetProperty("description").GetString(), StringComparison.Ordinal);
        }

        Directory.Delete(dataPath, recursive: true);
    }
}
