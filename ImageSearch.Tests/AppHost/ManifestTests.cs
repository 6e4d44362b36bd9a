using System.Diagnostics;
using System.Reflection;
using ImageSearch.Tests.Infrastructure;

namespace ImageSearch.Tests.AppHost;

public class ManifestTests
{
    [Fact]
    public async Task The_committed_manifest_is_what_the_AppHost_publishes()
    {
        var committed = Path.Combine(RepositoryPaths.Root, "aspire-manifest.json");
        // Written beside the committed one: the manifest's project paths are relative to its folder.
        var generated = Path.Combine(RepositoryPaths.Root, ".aspire-manifest.generated.json");
        var configuration = typeof(ManifestTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;

        try
        {
            using var publish = Process.Start(new ProcessStartInfo("dotnet",
            [
                "run", "--project", RepositoryPaths.AppHostProject, "--no-build", "--configuration", configuration,
                "--", "--publisher", "manifest", "--output-path", generated
            ])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true
            })!;
            var output = publish.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var errors = publish.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await publish.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.True(publish.ExitCode == 0, $"publishing failed:\n{await output}\n{await errors}");

            Assert.True(await File.ReadAllTextAsync(generated, TestContext.Current.CancellationToken)
                    == await File.ReadAllTextAsync(committed, TestContext.Current.CancellationToken),
                "aspire-manifest.json is stale. Regenerate it with: dotnet run --project ImageSearch.AppHost -- " +
                "--publisher manifest --output-path ../aspire-manifest.json");
        }
        finally
        {
            File.Delete(generated);
        }
    }
}
