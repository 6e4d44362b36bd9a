using ImageSearch.Indexing.Embedding;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ImageSearch.Indexing.Health;

/// <summary>
/// Loads the embedding model (creates the ONNX session) in the background as the host starts, so the first request
/// or batch does not pay the second it takes, and so readiness can say whether it loaded.
/// </summary>
public sealed class EmbeddingModelWarmup(IServiceProvider services) : IHostedService
{
    private Task<IImageEmbedder>? _loading;

    /// <summary>The load under way or done; null before the host started.</summary>
    public Task<IImageEmbedder>? Loading => _loading;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loading = Task.Run(services.GetRequiredService<IImageEmbedder>, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
