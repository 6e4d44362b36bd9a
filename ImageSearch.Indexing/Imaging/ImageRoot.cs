namespace ImageSearch.Indexing.Imaging;

/// <summary>
/// Resolves file sources inside the image root. A path is refused when it is empty, holds control characters,
/// has a <c>..</c> segment, or ends up outside the root once every symbolic link on the way is followed.
/// </summary>
public sealed class ImageRoot
{
    private const int MaxLinksFollowed = 40;

    public ImageRoot(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        // The root itself may be a link (a mounted volume, say); what counts is where it really is.
        FullPath = RealPath(Path.GetFullPath(root));
    }

    /// <summary>The root with every symbolic link resolved.</summary>
    public string FullPath { get; }

    /// <summary>The real path of an existing file under the root.</summary>
    /// <exception cref="ImageLoadException">OutsideRoot for a path that escapes the root, NotFound for a missing file.</exception>
    public string Resolve(string relativePath)
    {
        if (string.IsNullOrWhiteSpace(relativePath))
        {
            throw new ImageLoadException(ImageErrorKind.NotFound, "The image path is empty.");
        }

        if (relativePath.Any(char.IsControl))
        {
            throw new ImageLoadException(ImageErrorKind.OutsideRoot, "The image path contains control characters (NUL, newline, ...).");
        }

        var segments = relativePath.Split('/', '\\');
        if (segments.Contains(".."))
        {
            throw new ImageLoadException(ImageErrorKind.OutsideRoot, $"The image path '{relativePath}' contains '..'.");
        }

        var combined = Path.GetFullPath(Path.Combine(FullPath, relativePath));
        if (!IsUnderRoot(combined))
        {
            throw new ImageLoadException(ImageErrorKind.OutsideRoot, $"The image path '{relativePath}' is outside the image root.");
        }

        var real = RealPath(combined);
        if (!IsUnderRoot(real))
        {
            throw new ImageLoadException(ImageErrorKind.OutsideRoot, $"The image path '{relativePath}' leads outside the image root through a symbolic link.");
        }

        if (Directory.Exists(real))
        {
            throw new ImageLoadException(ImageErrorKind.NotFound, $"The image path '{relativePath}' is a folder, not a file.");
        }

        if (!File.Exists(real))
        {
            throw new ImageLoadException(ImageErrorKind.NotFound, $"No image at '{relativePath}' under the image root.");
        }

        return real;
    }

    private bool IsUnderRoot(string path)
    {
        var root = Path.EndsInDirectorySeparator(FullPath) ? FullPath : FullPath + Path.DirectorySeparatorChar;
        return path.StartsWith(root, OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Follows every symbolic link in <paramref name="fullPath"/>, component by component (like realpath(3)).</summary>
    private static string RealPath(string fullPath)
    {
        var linksFollowed = 0;
        var pending = new Stack<string>(SplitReversed(fullPath));
        var current = Path.GetPathRoot(fullPath)!;
        while (pending.TryPop(out var segment))
        {
            var next = Path.Combine(current, segment);
            var info = new FileInfo(next);
            if (info.Exists || Directory.Exists(next))
            {
                var linkTarget = info.LinkTarget;
                if (linkTarget is not null)
                {
                    if (++linksFollowed > MaxLinksFollowed)
                    {
                        throw new ImageLoadException(ImageErrorKind.NotFound, $"Too many symbolic links under '{fullPath}'.");
                    }

                    // Re-walk the link's target, whose own folders may be links too.
                    var target = Path.GetFullPath(Path.Combine(current, linkTarget));
                    foreach (var part in SplitReversed(target))
                    {
                        pending.Push(part);
                    }

                    current = Path.GetPathRoot(target)!;
                    continue;
                }
            }

            current = next;
        }

        return current;
    }

    // Stack order: the first segment ends up on top.
    private static IEnumerable<string> SplitReversed(string fullPath) =>
        fullPath[Path.GetPathRoot(fullPath)!.Length..]
            .Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries)
            .Reverse();
}
