namespace ImageSearch.Benchmarks.Topology;

/// <summary>
/// One API to measure: a build (<see cref="ServiceBuild"/>) with the <c>--api-env</c> settings, and, for each
/// <c>--variant K=V,K=V</c>, this checkout's build again with those settings added, so settings (GC modes, limits)
/// are compared side by side in one run.
/// </summary>
public sealed record ServiceVariant(string Label, ServiceBuild Build, IReadOnlyDictionary<string, string> ApiEnvironment)
{
    public static IReadOnlyList<ServiceVariant> FromArguments(BenchmarkArguments arguments)
    {
        var common = arguments.GetSettings("--api-env");
        var variants = ServiceBuild.FromArguments(arguments).Select(build => new ServiceVariant(build.Label, build, common)).ToList();
        foreach (var variant in arguments.GetAll("--variant"))
        {
            var settings = new Dictionary<string, string>(common);
            foreach (var pair in variant.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(setting => setting.Split('=', 2)))
            {
                settings[pair[0]] = pair.Length == 2 ? pair[1] : throw new ArgumentException($"--variant takes K=V,K=V, not '{variant}'.");
            }

            variants.Add(new ServiceVariant(variant, variants[0].Build, settings));
        }

        return variants;
    }
}
