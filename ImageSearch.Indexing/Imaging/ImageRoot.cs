namespace ImageSearch.Indexing.Imaging;

/// <summary>
/// Resolves file sources inside the image root. A leading <c>/</c> means the root itself (as in a URL path). A path is
/// refused when it is empty, holds control characters, has a <c>..</c> segment, or ends up outside the root once every
/// symbolic link on the way is followed. <see cref="OpenRead"/> checks the file it opened, not the path it was given,
/// so a link swapped in between a check and the open cannot lead out. Hard links cannot be told from the file they
/// share: keep the root on a volume that untrusted users cannot write to.
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

    /// <summary>The path as the API and the queue keep it: relative to the root, its leading '/' (the root) removed.</summary>
    public static string Normalize(string path) => path.TrimStart('/');

    /// <summary>The real path of an existing file under the root.</summary>
    /// <exception cref="ImageLoadException">OutsideRoot for a path that escapes the root, NotFound for a missing file.</exception>
    public string Resolve(string relativePath)
    {
        var combined = Combine(relativePath);
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

    /// <summary>
    /// Opens an existing file under the root for reading, then checks where the opened file really is (on Linux, the
    /// handle's own path in /proc/self/fd), so no symbolic link or '..' swapped in after the checks can lead out.
    /// </summary>
    /// <exception cref="ImageLoadException">OutsideRoot for a path or file outside the root, NotFound for a missing or unreadable file.</exception>
    public FileStream OpenRead(string relativePath)
    {
        var path = Resolve(relativePath);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ImageLoadException(ImageErrorKind.NotFound, $"No image at '{relativePath}' under the image root.", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new ImageLoadException(ImageErrorKind.NotFound, $"The image '{relativePath}' cannot be read.", ex);
        }

        var opened = OpenedPath(stream) ?? RealPath(path);
        if (!IsUnderRoot(opened))
        {
            stream.Dispose();
            throw new ImageLoadException(ImageErrorKind.OutsideRoot, $"The image path '{relativePath}' leads outside the image root through a symbolic link.");
        }

        return stream;
    }

    /// <summary>The path the kernel holds for an open file (Linux); null where the system does not say.</summary>
    private static string? OpenedPath(FileStream stream)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var target = new FileInfo($"/proc/self/fd/{stream.SafeFileHandle.DangerousGetHandle()}").LinkTarget;
        // A file deleted after it was opened reads "<path> (deleted)": still where it was.
        return target is null ? null : target.EndsWith(" (deleted)", StringComparison.Ordinal) ? target[..^10] : target;
    }

    /// <summary>The lexical checks: the path joined to the root, refused if it could leave it.</summary>
    private string Combine(string relativePath)
    {
        if (string.IsNullOrWhiteSpace(relativePath))
        {
            throw new ImageLoadException(ImageErrorKind.NotFound, "The image path is empty.");
        }

        if (relativePath.Any(char.IsControl))
        {
            throw new ImageLoadException(ImageErrorKind.OutsideRoot, "The image path contains control characters (NUL, newline, ...).");
        }

        var relative = Normalize(relativePath);
        if (relative.Split('/', '\\').Contains(".."))
        {
            throw new ImageLoadException(ImageErrorKind.OutsideRoot, $"The image path '{relativePath}' contains '..'.");
        }

        if (relative.Length == 0)
        {
            throw new ImageLoadException(ImageErrorKind.NotFound, "The image path names the image root, not a file.");
        }

        var combined = Path.GetFullPath(Path.Combine(FullPath, relative));
        if (Path.IsPathRooted(relative) || !IsUnderRoot(combined))
        {
            throw new ImageLoadException(ImageErrorKind.OutsideRoot, $"The image path '{relativePath}' is outside the image root.");
        }

        return combined;
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
