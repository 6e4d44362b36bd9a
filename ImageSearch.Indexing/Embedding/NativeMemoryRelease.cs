using System.Runtime;
using System.Runtime.InteropServices;

namespace ImageSearch.Indexing.Embedding;

/// <summary>
/// Gives back to the operating system what loading a model leaves behind: the model's bytes read and rewritten on the
/// managed large-object heap, and the native heap ONNX Runtime used while it parsed and optimised the graph (glibc
/// keeps freed memory for reuse unless asked to trim). Once, after a session is created; without it a worker starts
/// some 120 MB heavier than its working set needs.
/// </summary>
internal static class NativeMemoryRelease
{
    private const int ArenaMaxParameter = -8;   // M_ARENA_MAX in malloc.h

    /// <summary>
    /// Caps glibc's malloc arenas at two before ONNX Runtime starts its threads. By default each thread that allocates
    /// may get an arena of its own (up to 8 per core), and the buffers inference frees stay scattered over them:
    /// resident memory grew by some 150 MB more over 60 images than with two arenas, for no measurable speed.
    /// </summary>
    public static void LimitMallocArenas()
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                MallOpt(ArenaMaxParameter, 2);
            }
            catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
            {
            }
        }
    }

    public static void AfterModelLoad()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        TrimNativeHeap();
    }

    /// <summary>
    /// Returns the native heap's free pages to the system. Inference at a new input size frees and allocates buffers
    /// of new sizes, which glibc otherwise keeps: after each embedded image it costs well under a millisecond.
    /// </summary>
    public static void TrimNativeHeap()
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                MallocTrim(0);
            }
            catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
            {
                // Not glibc (musl, say): nothing to trim this way.
            }
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int parameter, int value);

    // DllImport, not LibraryImport: a blittable call that needs no generated marshalling (nor unsafe code).
    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
