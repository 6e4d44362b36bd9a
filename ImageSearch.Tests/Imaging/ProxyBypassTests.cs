using System.Net;
using ImageSearch.Indexing.Imaging;
using ImageSearch.Tests.Embedding;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ImageSearch.Tests.Imaging;

// Alone: it sets the process-wide default proxy (what HTTP_PROXY sets), which every other HttpClient would see.
[CollectionDefinition(nameof(ProxyBypassTests), DisableParallelization = true)]
public sealed class ProxyBypassCollection;

[Collection(nameof(ProxyBypassTests))]
public sealed class ProxyBypassTests
{
    [Fact]
    public async Task Remote_images_are_fetched_directly_even_when_the_process_has_a_proxy()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var server = builder.Build();
        server.MapGet("/photo.jpg", () => Results.Bytes([0xFF, 0xD8, 0xFF], "image/jpeg"));
        await server.StartAsync(TestContext.Current.CancellationToken);
        // A proxy that would resolve and connect on our behalf, past the address checks: here, a closed port.
        using var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var proxyPort = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();

        var previous = HttpClient.DefaultProxy;
        HttpClient.DefaultProxy = new WebProxy($"http://127.0.0.1:{proxyPort}", BypassOnLocal: false);
        try
        {
            await using var services = EmbedderFixture.CreateServices(Path.GetTempPath(), new Dictionary<string, string?>
            {
                ["ImageLoader:RemoteImagesEnabled"] = "true",
                ["ImageLoader:AllowPrivateNetworks"] = "true"
            });

            var bytes = await services.GetRequiredService<RemoteImageFetcher>()
                .FetchAsync(new Uri(new Uri(server.Urls.Single()), "/photo.jpg"), TestContext.Current.CancellationToken);

            Assert.Equal([0xFF, 0xD8, 0xFF], bytes);
        }
        finally
        {
            HttpClient.DefaultProxy = previous;
        }
    }
}
