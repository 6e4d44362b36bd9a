using System.Globalization;

namespace ImageSearch.Benchmarks.Topology;

/// <summary>What a process has used so far, read from <c>/proc</c>: CPU seconds (user + system), resident and peak resident memory.</summary>
public readonly record struct ProcessUsage(double CpuSeconds, double ResidentMb, double PeakResidentMb)
{
    // The kernel's clock tick, USER_HZ, is 100 on every Linux platform .NET runs on.
    private const double TicksPerSecond = 100;

    public static ProcessUsage Read(int pid)
    {
        try
        {
            // utime and stime: the 12th and 13th fields after the command name.
            var cpu = ReadCpuSeconds($"/proc/{pid}/stat", 11);
            double resident = 0, peak = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    resident = Kilobytes(line) / 1024;
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    peak = Kilobytes(line) / 1024;
                }
            }

            return new ProcessUsage(cpu, resident, peak);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The process has exited.
            return default;
        }
    }

    /// <summary>
    /// CPU seconds used by this process's children that have exited and been waited for (cutime + cstime of
    /// <c>/proc/self/stat</c>): read before a child starts and after it exits, the difference is that child's CPU time.
    /// </summary>
    public static double ExitedChildrenCpuSeconds() => ReadCpuSeconds("/proc/self/stat", 13);

    /// <summary>
    /// The user and system CPU ticks at <paramref name="field"/> and the field after it, counted after the command name
    /// (which is in parentheses and may hold spaces), in seconds.
    /// </summary>
    private static double ReadCpuSeconds(string statPath, int field)
    {
        var stat = File.ReadAllText(statPath);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[field], CultureInfo.InvariantCulture) + long.Parse(fields[field + 1], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    private static double Kilobytes(string line) =>
        double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
