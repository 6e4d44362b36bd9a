namespace ImageSearch.Indexing.Imaging;

/// <summary>Where images may come from and how large they may be. Bound from the <c>ImageLoader</c> section.</summary>
public sealed class ImageLoaderOptions
{
    public const string SectionName = "ImageLoader";

    /// <summary>
    /// The folder that file sources are relative to; relative values are resolved against the current directory.
    /// A file source may not leave it, not even through a symbolic link.
    /// </summary>
    public string ImageRoot { get; set; } = "images";

    /// <summary>
    /// Images with more pixels than this (width × height, as the header declares) are refused before any pixel is
    /// decoded. 40 MP keeps 8K frames (33 MP) and the common 24–36 MP camera sensors while bounding the work of one
    /// downscaled decode to a fraction of a second; the model itself sees 224 × 224.
    /// </summary>
    public long MaxPixels { get; set; } = 40_000_000;

    /// <summary>
    /// The most pixels of an image whose codec cannot decode it downscaled (PNG, GIF, BMP, lossless WebP): such an image
    /// is decoded whole, 4 bytes a pixel, so this caps the memory of one decode (16 MP: 64 MB). JPEG and lossy WebP
    /// decode downscaled and are bounded by <see cref="MaxPixels"/> only.
    /// </summary>
    public long MaxFullDecodePixels { get; set; } = 4096 * 4096;

    /// <summary>The largest image file read through an image path, in bytes (as uploads and remote images are capped).</summary>
    public long MaxFileBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>Whether http(s) URLs are fetched at all.</summary>
    public bool RemoteImagesEnabled { get; set; }

    /// <summary>The largest remote image accepted, in bytes.</summary>
    public long MaxRemoteBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>How long one remote fetch may take, redirects and body included.</summary>
    public TimeSpan RemoteTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How many redirects a remote fetch follows; each hop is checked like the first URL.</summary>
    public int MaxRedirects { get; set; } = 3;

    /// <summary>Hosts remote images may come from (<c>cdn.example.com</c> or <c>*.example.com</c>); empty allows any host.</summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>
    /// Whether URLs may reach loopback, link-local and private addresses. Off by default so a URL cannot be used
    /// to probe the internal network (or a cloud metadata endpoint) from the server.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }
}
