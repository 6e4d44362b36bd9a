namespace ImageSearch.Tests.Infrastructure;

/// <summary>The two Redis-protocol servers the system must work on.</summary>
public enum RedisServerKind
{
    Redis,
    Garnet
}
