using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ImageSearch.Benchmarks.Topology;

/// <summary>
/// A process the benchmark started, its output kept in a log file. Every one still running is killed when the
/// benchmark ends, however it ends: disposal, Ctrl-C, SIGTERM, SIGHUP or an unhandled exception.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<int, Process> Running = new();
    private static readonly PosixSignalRegistration[] SignalHandlers =
    [
        PosixSignalRegistration.Create(PosixSignal.SIGINT, StopOnSignal),
        PosixSignalRegistration.Create(PosixSignal.SIGTERM, StopOnSignal),
        PosixSignalRegistration.Create(PosixSignal.SIGHUP, StopOnSignal)
    ];

    private readonly Process _process;
    private readonly StreamWriter _log;

    static ChildProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        AppDomain.CurrentDomain.UnhandledException += (_, _) => KillAll();
    }

    private ChildProcess(string name, Process process, StreamWriter log)
    {
        Name = name;
        _process = process;
        _log = log;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string LogPath { get; private init; } = "";

    public ProcessUsage Usage => ProcessUsage.Read(Pid);

    public static ChildProcess Start(string name, string fileName, IEnumerable<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string?> environment, string logDirectory)
    {
        GC.KeepAlive(SignalHandlers);
        var startInfo = new ProcessStartInfo(fileName, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false
        };
        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(key);
            }
            else
            {
                startInfo.Environment[key] = value;
            }
        }

        var logPath = Path.Combine(logDirectory, $"{name}.log");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"{fileName} did not start.");
        Running[process.Id] = process;
        process.OutputDataReceived += (_, line) => Write(log, line.Data);
        process.ErrorDataReceived += (_, line) => Write(log, line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(name, process, log) { LogPath = logPath };
    }

    /// <summary>Waits for the process to end by itself; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken = default)
    {
        await _process.WaitForExitAsync(cancellationToken);
        return _process.ExitCode;
    }

    /// <summary>Waits until the process has written <paramref name="text"/> to its output.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!ReadLog().Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{Name} did not write '{text}' ({(_process.HasExited ? "it exited" : "timed out")}); see {LogPath}.");
            }

            await Task.Delay(50);
        }
    }

    private string ReadLog()
    {
        using var reader = new StreamReader(new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        return reader.ReadToEnd();
    }

    public async ValueTask DisposeAsync()
    {
        Running.TryRemove(_process.Id, out _);
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            if (log.BaseStream.CanWrite)
            {
                log.WriteLine(line);
            }
        }
    }

    // The runtime handles SIGCHLD on the thread that runs signal handlers, and Process.Kill may wait for it: kill from
    // another thread, then exit as the signal would have.
    private static void StopOnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        var exitCode = 128 + context.Signal switch { PosixSignal.SIGINT => 2, PosixSignal.SIGTERM => 15, _ => 1 };
        _ = Task.Run(() =>
        {
            KillAll();
            Environment.Exit(exitCode);
        });
    }

    private static void KillAll()
    {
        // Signal handlers and ProcessExit may run this at the same time: one pass at a time, each process killed once.
        lock (Running)
        {
            var killed = new List<Process>();
            foreach (var pid in Running.Keys)
            {
                if (Running.TryRemove(pid, out var process))
                {
                    try
                    {
                        process.Kill();
                        killed.Add(process);
                    }
                    catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
                    {
                        // Already gone.
                    }
                }
            }

            foreach (var process in killed)
            {
                process.WaitForExit(TimeSpan.FromSeconds(5));
            }
        }
    }
}
