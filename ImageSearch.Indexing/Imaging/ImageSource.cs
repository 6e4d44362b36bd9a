namespace ImageSearch.Indexing.Imaging;

/// <summary>Where an image comes from: a file under the image root, a remote URL, or uploaded bytes.</summary>
public abstract record ImageSource
{
    /// <summary>A path relative to the configured image root; it may not leave the root.</summary>
    public sealed record File(string RelativePath) : ImageSource;

    /// <summary>An http(s) URL, fetched only when remote images are enabled.</summary>
    public sealed record Url(Uri Address) : ImageSource;

    /// <summary>Bytes already in hand, such as an upload to search with.</summary>
    public sealed record Bytes(ReadOnlyMemory<byte> Content) : ImageSource;
}
