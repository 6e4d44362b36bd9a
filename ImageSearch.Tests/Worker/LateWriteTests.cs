using ImageSearch.Indexing.Queue;
using ImageSearch.Indexing.VectorStore;
using ImageSearch.Indexing.VectorStore.Embedded;
using ImageSearch.Tests.Embedding;
using ImageSearch.Tests.Imaging;
using ImageSearch.Tests.Infrastructure;
using ImageSearch.Tests.Queue;
using ImageSearch.Worker.Services;
using Microsoft.Extensions.Logging.Abstractions;
using SkiaSharp;

namespace ImageSearch.Tests.Worker;

// The real processor, ResNet18 and the embedded store: an older task's late write never replaces a newer image.
[Collection(EmbedderCollection.Name)]
public sealed class LateWriteTests(EmbedderFixture embedder)
{
    [Fact]
    public async Task An_older_task_for_a_product_finishing_after_a_newer_one_leaves_the_newer_image_indexed()
    {
        await using var server = await QueueTestServer.StartAsync(RedisServerKind.Redis);
        var queue = server.Queue();
        var options = new VectorStoreOptions { CollectionName = $"late-{Guid.NewGuid():N}" };
        using var store = new EmbeddedVectorStore(server.Connection, options, VectorStoreResilience.Create(options));
        var processor = new IndexingTaskProcessor(embedder.Embedder, store, TimeProvider.System, NullLogger<IndexingTaskProcessor>.Instance);
        var older = await queue.EnqueueAsync(new NewTask("sku-late", Scene("late/old.jpg", seed: 1), null, "old image"));
        var newer = await queue.EnqueueAsync(new NewTask("sku-late", Scene("late/new.jpg", seed: 2), null, "new image"));
        var batch = await queue.TakeAsync("late-test", 2, TimeSpan.FromMinutes(1));
        var (oldTask, newTask) = (batch.Tasks.Single(t => t.TaskId == older.TaskId), batch.Tasks.Single(t => t.TaskId == newer.TaskId));
        Assert.True(oldTask.Sequence < newTask.Sequence);

        // The newer task is indexed first; the older one (a retry, or a processor that ran on past its lease) ends later.
        await processor.ProcessAsync([newTask], TestContext.Current.CancellationToken);
        var late = await processor.ProcessAsync([oldTask], TestContext.Current.CancellationToken);

        Assert.IsType<TaskOutcome.Completed>(late[oldTask.TaskId]);
        var indexed = (await store.GetAsync("sku-late", TestContext.Current.CancellationToken))!;
        Assert.Equal(("new image", "late/new.jpg", newTask.Sequence), (indexed.Payload.Name, indexed.Payload.ImageRef, indexed.Payload.Version));
    }

    private string Scene(string relativePath, int seed)
    {
        using var scene = TestImages.Scene(320, 240, seed);
        embedder.WriteFile(relativePath, TestImages.Encode(scene, SKEncodedImageFormat.Jpeg));
        return relativePath;
    }
}
