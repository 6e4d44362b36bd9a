namespace ImageSearch.Tests.Infrastructure;

// The servers local mode relies on keep what they acknowledged, even when killed.
public class RedisServerTests
{
    [Theory]
    [InlineData(RedisServerKind.Redis)]
    [InlineData(RedisServerKind.Garnet)]
    public async Task An_acknowledged_write_survives_the_server_being_killed(RedisServerKind kind)
    {
        await using var server = await RedisServer.StartAsync(kind);
        await using (var connection = await server.ConnectAsync())
        {
            await connection.GetDatabase().ListRightPushAsync("survivor", ["a", "b", "c"]);
        }

        await server.KillAsync();
        await server.StartAsync();

        await using var reconnected = await server.ConnectAsync();
        var values = await reconnected.GetDatabase().ListRangeAsync("survivor");
        Assert.Equal(["a", "b", "c"], values.Select(v => v.ToString()));
    }
}
