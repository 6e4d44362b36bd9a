namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A Redis-protocol server (redis-server or Garnet) run as a local process, for machines without a
/// container runtime. Services reference it exactly as they would a Redis container.
/// </summary>
public sealed class LocalRedisServerResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    internal const string PrimaryEndpointName = "tcp";

    public EndpointReference PrimaryEndpoint => field ??= new(this, PrimaryEndpointName);

    public ParameterResource PasswordParameter { get; } = password;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)},password={PasswordParameter}");
}
