using ImageSearch.Indexing.Imaging;
using ImageSearch.Tests.Imaging;
using ImageSearch.Tests.Infrastructure;

namespace ImageSearch.Tests.Embedding;

/// <summary>Near-duplicate retrieval over real photos: what the product search relies on.</summary>
[Collection(EmbedderCollection.Name)]
public sealed class RetrievalTests(EmbedderFixture fixture)
{
    [Fact]
    public async Task Each_cropped_flipped_resized_reencoded_photo_finds_its_original_first()
    {
        var photos = TestPhotos.All();
        var originals = await fixture.Embedder.EmbedBatchAsync(
            photos.Select(path => (ImageSource)new ImageSource.Bytes(File.ReadAllBytes(path))).ToList(),
            TestContext.Current.CancellationToken);
        var variants = await fixture.Embedder.EmbedBatchAsync(
            photos.Select(path =>
            {
                using var photo = TestImages.Decode(File.ReadAllBytes(path));
                return (ImageSource)new ImageSource.Bytes(TestImages.Variant(photo));
            }).ToList(),
            TestContext.Current.CancellationToken);

        var misses = new List<string>();
        for (var i = 0; i < photos.Count; i++)
        {
            var scores = originals.Select(original => VectorMath.Cosine(variants[i].Vector!, original.Vector!)).ToArray();
            var best = Array.IndexOf(scores, scores.Max());
            var bestUnrelated = scores.Where((_, j) => j != i).Max();
            if (best != i || bestUnrelated >= scores[i])
            {
                misses.Add($"{Path.GetFileName(photos[i])}: own {scores[i]:0.000}, nearest {Path.GetFileName(photos[best])} {scores[best]:0.000}");
            }
        }

        Assert.True(misses.Count == 0, $"{misses.Count} of {photos.Count} variants missed their original:\n{string.Join("\n", misses)}");
        Assert.True(photos.Count >= 20, $"only {photos.Count} photos");
    }
}
