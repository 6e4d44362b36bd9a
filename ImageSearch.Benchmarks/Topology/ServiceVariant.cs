namespace ImageSearch.Benchmarks.Topology;

/// <summary>
/// One set of services to measure: a build (<see cref="ServiceBuild"/>) with the settings of <c>commonOption</c>, and,
/// for each <c>--variant K=V,K=V</c>, this checkout's build again with those settings added, so settings (GC modes,
/// thread counts, limits) are compared side by side in one run.
/// </summary>
public sealed record ServiceVariant(string Label, ServiceBuild Build, IReadOnlyDictionary<string, string> Environment)
{
    public static IReadOnlyList<ServiceVariant> FromArguments(BenchmarkArguments arguments, string commonOption)
    {
        var common = arguments.GetSettings(commonOption);
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
