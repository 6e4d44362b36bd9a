using System.Text.Json;
using System.Text.Json.Nodes;
using ImageSearch.Indexing.Embedding;

namespace ImageSearch.Benchmarks;

/// <summary>
/// A temporary models folder holding the shipped ResNet18 files (linked, not copied) under a manifest edited by the
/// caller: another descriptor, or the shipped one without its whitening.
/// </summary>
internal sealed class VariantModels : IDisposable
{
    private VariantModels(string path) => ModelsPath = path;

    public string ModelsPath { get; }

    public static VariantModels Create(string shippedModels, string name, Action<JsonObject> edit)
    {
        var root = Directory.CreateTempSubdirectory($"imagesearch-variant-{name}-").FullName;
        var folder = Directory.CreateDirectory(Path.Combine(root, "resnet18")).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(shippedModels, "resnet18")))
        {
            File.CreateSymbolicLink(Path.Combine(folder, Path.GetFileName(file)), file);
        }

        var manifestPath = Path.Combine(folder, ModelManifest.FileName);
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        File.Delete(manifestPath);
        edit(manifest);
        File.WriteAllText(manifestPath, manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return new VariantModels(root);
    }

    /// <summary>The shipped manifest with <paramref name="descriptor"/> (null: the graph's own pooled output, as in version 1).</summary>
    public static VariantModels WithDescriptor(string shippedModels, string name, JsonObject? descriptor) =>
        Create(shippedModels, name, manifest =>
        {
            manifest["version"] = $"variant-{name}";
            manifest.Remove("descriptor");
            manifest["output"] = descriptor is null
                ? new JsonObject { ["name"] = "Pooling395_Output_0", ["dimensions"] = 512 }
                : new JsonObject { ["name"] = "ReLU393_Output_0", ["dimensions"] = 512 };
            if (descriptor is not null)
            {
                manifest["descriptor"] = descriptor.DeepClone();
            }
        });

    public void Dispose() => Directory.Delete(ModelsPath, recursive: true);
}
