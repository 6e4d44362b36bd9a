namespace Aspire.Hosting;

/// <summary>What the queue asks of a redis-server, whether it runs as a container or as a local process.</summary>
internal static class RedisTuning
{
    /// <summary>
    /// Redis keeps a hash as one compact listpack only while every value is at most this many bytes (64 by default).
    /// A task record's request and history are a few hundred bytes, so at 64 every record became a hashtable: 200,000
    /// records took 190 MB and their HSETs 7.5 µs each; at 1024, 102 MB and 5.8 µs (redis-server 7.0). A listpack is
    /// searched field by field, which costs nothing at a record's dozen fields; a longer value converts its record.
    /// </summary>
    public const int HashMaxListpackValue = 1024;
}
