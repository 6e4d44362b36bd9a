using System.Globalization;

namespace ImageSearch.Benchmarks;

/// <summary>The options after the benchmark's name: <c>--name value</c> pairs, some of which may repeat.</summary>
public sealed class BenchmarkArguments(string[] args)
{
    public string? Get(string name) =>
        Array.LastIndexOf(args, name) is >= 0 and var i && i + 1 < args.Length ? args[i + 1] : null;

    /// <summary>Every value of an option given more than once (<c>--worker-env A=1 --worker-env B=2</c>).</summary>
    public IReadOnlyList<string> GetAll(string name) =>
        args.Select((arg, i) => (arg, i)).Where(p => p.arg == name && p.i + 1 < args.Length).Select(p => args[p.i + 1]).ToList();

    public int GetInt(string name, int defaultValue) =>
        Get(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : defaultValue;

    public IReadOnlyList<int> GetInts(string name, params int[] defaultValues) =>
        Get(name) is { } value ? value.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToList() : defaultValues;

    public TimeSpan GetSeconds(string name, double defaultSeconds) =>
        TimeSpan.FromSeconds(Get(name) is { } value ? double.Parse(value, CultureInfo.InvariantCulture) : defaultSeconds);

    /// <summary><c>KEY=VALUE</c> settings given with a repeatable option, as environment variables for the services.</summary>
    public IReadOnlyDictionary<string, string> GetSettings(string name) =>
        GetAll(name).Select(setting => setting.Split('=', 2)).ToDictionary(
            pair => pair[0],
            pair => pair.Length == 2 ? pair[1] : throw new ArgumentException($"{name} takes KEY=VALUE, not '{pair[0]}'."));

    public bool Has(string name) => args.Contains(name);
}
