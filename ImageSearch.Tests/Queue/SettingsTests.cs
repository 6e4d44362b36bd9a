using System.Text.Json;
using ImageSearch.Indexing.Queue;

namespace ImageSearch.Tests.Queue;

public class SettingsTests
{
    [Theory]
    [InlineData("redis://:s3cret@cache:6380", "cache:6380,password=s3cret")]
    [InlineData("redis://cache", "cache:6379")]
    [InlineData("redis://app:p%40ss@cache:6379/2", "cache:6379,user=app,password=p@ss,defaultDatabase=2")]
    [InlineData("rediss://:pw@cache:6380/0", "cache:6380,password=pw,defaultDatabase=0,ssl=true")]
    public void REDIS_URL_becomes_a_StackExchange_Redis_configuration(string url, string expected) =>
        Assert.Equal(expected, RedisUrl.ToConfiguration(url));

    [Theory]
    [InlineData("cache:6379")]
    [InlineData("http://cache:6379")]
    [InlineData("redis://cache:6379/x")]
    public void A_malformed_REDIS_URL_is_refused_with_its_expected_shape(string url) =>
        Assert.Contains("REDIS_URL", Assert.Throws<FormatException>(() => RedisUrl.ToConfiguration(url)).Message);

    [Fact]
    public void Metadata_values_are_stored_as_strings()
    {
        var (values, error) = TaskMetadata.FromJson(JsonDocument.Parse("""{"color":"red","price":9.50,"stock":3,"sale":false}""").RootElement);

        Assert.Null(error);
        Assert.Equal(new Dictionary<string, string> { ["color"] = "red", ["price"] = "9.50", ["stock"] = "3", ["sale"] = "false" }, values);
    }

    [Theory]
    [InlineData("""{"size":{"w":1}}""", "metadata.size is object")]
    [InlineData("""{"tags":["a"]}""", "metadata.tags is array")]
    [InlineData("""{"gone":null}""", "metadata.gone is null")]
    [InlineData("""["a"]""", "metadata must be a JSON object.")]
    public void Nested_or_non_scalar_metadata_is_refused_with_the_key(string json, string reason)
    {
        var (values, error) = TaskMetadata.FromJson(JsonDocument.Parse(json).RootElement);

        Assert.Null(values);
        Assert.StartsWith(reason, error);
    }
}
