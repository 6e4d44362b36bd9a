using System.Diagnostics;
using System.Threading.Channels;

namespace ImageSearch.Tests.Queue;

/// <summary>A queue consumer in a child process (ImageSearch.Tests.QueueWorker), so a test can kill it for real.</summary>
internal sealed class QueueWorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();

    private QueueWorkerProcess(Process process) => _process = process;

    public static QueueWorkerProcess Start(string connection, string workerId, int batchSize, TimeSpan lease,
        int maxRecoveries, string behaviour)
    {
        var startInfo = new ProcessStartInfo("dotnet",
        [
            Path.Combine(AppContext.BaseDirectory, "ImageSearch.Tests.QueueWorker.dll"), connection, workerId,
            batchSize.ToString(), ((int)lease.TotalMilliseconds).ToString(), maxRecoveries.ToString(), behaviour
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false
        };
        var process = Process.Start(startInfo)!;
        var worker = new QueueWorkerProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                worker._lines.Writer.TryWrite(line);
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The next line the worker prints that starts with <paramref name="prefix"/>.</summary>
    public async Task<string> WaitForLineAsync(string prefix)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var line = await _lines.Reader.ReadAsync(timeout.Token);
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line;
            }
        }
    }

    public async Task WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>SIGTERM, as a deployment stopping the worker sends.</summary>
    public void Terminate() => Signal("TERM");

    public int ExitCode => _process.ExitCode;

    /// <summary>SIGSTOP: the process is frozen as a stuck VM or a debugger would freeze it, its connections open.</summary>
    public void Pause() => Signal("STOP");

    /// <summary>SIGCONT: it runs on from where it was frozen.</summary>
    public void Resume() => Signal("CONT");

    private void Signal(string signal) => Process.Start("kill", [$"-{signal}", _process.Id.ToString()])!.WaitForExit();

    /// <summary>SIGKILL: no finally block, no shutdown hook, no goodbye to Redis.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
