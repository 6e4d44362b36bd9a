using System.Runtime.InteropServices;

namespace ImageSearch.Indexing.Embedding;

/// <summary>
/// Hands the C heap's free pages back to the system. Creating an ONNX Runtime session allocates and frees some 170 MB
/// of native memory (the model's protobuf, the graph before optimisation); glibc keeps freed memory for reuse, so
/// without a trim every process that loaded the model stays that much larger for its whole life.
/// </summary>
internal static class NativeHeap
{
    public static void Trim()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            MallocTrim(0);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl has no malloc_trim): nothing to give back this way.
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
