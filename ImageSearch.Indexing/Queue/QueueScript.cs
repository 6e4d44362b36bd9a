using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using StackExchange.Redis;

namespace ImageSearch.Indexing.Queue;

/// <summary>
/// One of the queue's Lua scripts (Queue/Scripts, embedded in this assembly), with the files it names in
/// <c>--- @include "name"</c> lines inlined, each once, as bullmq's loader does. It is sent as EVALSHA by its SHA-1,
/// worked out once here, and as EVAL only when the server answers NOSCRIPT (a restart or SCRIPT FLUSH emptied its
/// cache), as ioredis's defined commands do. Every script declares the pending list in KEYS: Garnet's transaction
/// mode locks the declared keys, so that makes every transition atomic there too.
/// </summary>
internal sealed partial class QueueScript
{
    // Garnet runs Lua 5.4, where unpack lives in table.
    private const string Prelude = "local unpack = unpack or table.unpack\n";
    private const string ResourcePrefix = "ImageSearch.Indexing.Queue.Scripts/";

    // The SHA-1 is the script's name in Redis's script cache, not a security measure.
    private readonly byte[] _sha1;

    private QueueScript(string name, string source) =>
        (Name, Source, _sha1) = (name, source, SHA1.HashData(Encoding.UTF8.GetBytes(source)));

    public string Name { get; }

    public string Source { get; }

    public static QueueScript Load(string name)
    {
        var source = new StringBuilder(Prelude);
        Inline(name, source, []);
        return new QueueScript(name, source.ToString());
    }

    /// <remarks>
    /// Not by <c>ScriptEvaluateAsync(string)</c>: that overload finds the script's SHA-1 in a table keyed by the whole
    /// source, hashing kilobytes of text on every call (about 1.5 % of the API's CPU per enqueue, profiled).
    /// </remarks>
    public async Task<RedisResult> EvaluateAsync(IDatabaseAsync db, RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            return await db.ScriptEvaluateAsync(_sha1, keys, args);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            return await db.ScriptEvaluateAsync(Source, keys, args);
        }
    }

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
