using System.Text.Json;
using ImageSearch.Tests.Infrastructure;

namespace ImageSearch.Tests.Security;

// What the AppHost hands the dashboard and the published services.
public class DeploymentSettingsTests
{
    [Fact]
    public void The_dashboard_keeps_its_login_token()
    {
        // The dashboard shows every resource's environment, secrets included: anonymous access would show them to anyone.
        var settings = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "ImageSearch.AppHost", "Properties", "launchSettings.json")));
        foreach (var profile in settings.RootElement.GetProperty("profiles").EnumerateObject())
        {
            Assert.False(profile.Value.TryGetProperty("environmentVariables", out var environment)
                && environment.TryGetProperty("ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS", out var anonymous)
                && anonymous.GetString() == "true", $"profile {profile.Name} lets anyone into the dashboard");
        }
    }

    [Fact]
    public void The_published_api_believes_no_forwarded_headers_unless_told_which_proxies_send_them()
    {
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "aspire-manifest.json")));
        var api = manifest.RootElement.GetProperty("resources").GetProperty("api").GetProperty("env");

        Assert.Equal("false", api.GetProperty("ASPNETCORE_FORWARDEDHEADERS_ENABLED").GetString());
        Assert.False(api.TryGetProperty("ForwardedHeaders__KnownNetworks__0", out _));
    }
}
