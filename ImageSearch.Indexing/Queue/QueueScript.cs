using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using StackExchange.Redis;

namespace ImageSearch.Indexing.Queue;

/// <summary>
/// One of the queue's Lua scripts (Queue/Scripts, embedded in this assembly), with the files it names in
/// <c>--- @include "name"</c> lines inlined, each once, as bullmq's loader does. StackExchange.Redis sends it with
/// EVALSHA once the server has seen it. Every script declares the pending list in KEYS: Garnet's transaction mode
/// locks the declared keys, so that makes every transition atomic there too.
/// </summary>
internal sealed partial class QueueScript
{
    // Garnet runs Lua 5.4, where unpack lives in table.
    private const string Prelude = "local unpack = unpack or table.unpack\n";
    private const string ResourcePrefix = "ImageSearch.Indexing.Queue.Scripts/";

    private QueueScript(string name, string source) => (Name, Source) = (name, source);

    public string Name { get; }

    public string Source { get; }

    public static QueueScript Load(string name)
    {
        var source = new StringBuilder(Prelude);
        Inline(name, source, []);
        return new QueueScript(name, source.ToString());
    }

    public Task<RedisResult> EvaluateAsync(IDatabaseAsync db, RedisKey[] keys, RedisValue[] args) =>
        db.ScriptEvaluateAsync(Source, keys, args);

    private static void Inline(string path, StringBuilder output, HashSet<string> included)
    {
        if (!included.Add(path))
        {
            return;
        }

        var folder = path.Contains('/') ? path[..(path.LastIndexOf('/') + 1)] : "";
        foreach (var line in Read(path).Split('\n'))
        {
            if (IncludeLine().Match(line) is { Success: true } include)
            {
                Inline(folder + include.Groups["name"].Value, output, included);
            }
            else
            {
                output.Append(line).Append('\n');
            }
        }
    }

    private static string Read(string path)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"{ResourcePrefix}{path}.lua")
            ?? throw new InvalidOperationException($"The queue script '{path}.lua' is not embedded in {typeof(QueueScript).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [GeneratedRegex("""^--- @include "(?<name>[A-Za-z0-9_/]+)"\s*$""")]
    private static partial Regex IncludeLine();
}
