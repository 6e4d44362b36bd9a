using ImageSearch.Tests.Infrastructure;

namespace ImageSearch.Tests.AppHost;

// Builds the application model without running it, so none of this needs a container runtime.
public class HostingModeTests
{
    [Fact]
    public async Task Local_mode_runs_redis_as_a_local_process_and_has_no_qdrant()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ImageSearch_AppHost>(
            ["--Mode=local"], TestContext.Current.CancellationToken);

        var redis = Assert.Single(builder.Resources.OfType<LocalRedisServerResource>());
        Assert.Equal("redis", redis.Name);
        Assert.DoesNotContain(builder.Resources, r => r.Name == "qdrant");
        Assert.DoesNotContain(builder.Resources, r => r is ContainerResource);
    }

    [Theory]
    [InlineData("redis-server", "redis-server")]
    [InlineData("garnet", "dotnet")]
    public async Task Local_mode_runs_the_chosen_redis_protocol_server(string server, string command)
    {
        if (server == "redis-server")
        {
            RedisServer.SkipUnlessRedisServerInstalled();
        }

        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ImageSearch_AppHost>(
            ["--Mode=local", $"--LocalRedisServer={server}"], TestContext.Current.CancellationToken);

        var redis = Assert.Single(builder.Resources.OfType<LocalRedisServerResource>());
        Assert.Equal(command, Path.GetFileName(redis.Command));
    }

    [Fact]
    public async Task Container_mode_describes_redis_and_qdrant_containers_with_generated_secrets()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ImageSearch_AppHost>(
            ["--Mode=containers"], TestContext.Current.CancellationToken);

        var redis = Assert.Single(builder.Resources.OfType<RedisResource>());
        Assert.NotNull(redis.PasswordParameter);
        Assert.True(redis.PasswordParameter.Secret);

        var qdrant = Assert.Single(builder.Resources.OfType<QdrantServerResource>());
        Assert.True(qdrant.ApiKeyParameter.Secret);
        Assert.Contains(qdrant.Annotations.OfType<ContainerMountAnnotation>(), m => m.Target == "/qdrant/storage");
        Assert.Contains(redis.Annotations.OfType<ContainerMountAnnotation>(), m => m.Target == "/data");
    }

    [Fact]
    public async Task Worker_replicas_default_to_two_and_can_be_set()
    {
        await using var defaults = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ImageSearch_AppHost>(
            ["--Mode=local"], TestContext.Current.CancellationToken);
        await using var four = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ImageSearch_AppHost>(
            ["--Mode=local", "--Workers=4"], TestContext.Current.CancellationToken);

        Assert.Equal(2, Replicas(defaults));
        Assert.Equal(4, Replicas(four));

        static int Replicas(IDistributedApplicationTestingBuilder builder) =>
            builder.Resources.Single(r => r.Name == "worker").Annotations.OfType<ReplicaAnnotation>().Single().Replicas;
    }

    [Fact]
    public async Task An_unknown_mode_is_refused_with_a_clear_message()
    {
        var error = await Assert.ThrowsAsync<DistributedApplicationException>(() =>
            DistributedApplicationTestingBuilder.CreateAsync<Projects.ImageSearch_AppHost>(
                ["--Mode=cloud"], TestContext.Current.CancellationToken));

        Assert.Contains("'local' or 'containers'", error.Message);
    }
}
