using System.Text.Json.Nodes;

namespace ImageSearch.Benchmarks;

/// <summary>The descriptors the retrieval and embed benchmarks compare, by name (<c>--variants</c>, <c>--variant</c>).</summary>
internal static class DescriptorVariants
{
    public static readonly (string Name, string Description, JsonObject? Descriptor)[] All =
    [
        ("v1", "resnet18-imagenet@1: graph's 7x7 average pool, 224 centre crop", null),
        ("crop-gem", "GeM p=3 of the 7x7 map, 224 centre crop", Descriptor("crop", [224], "gem")),
        ("whole224-avg", "average of the map, whole picture, longer side 224", Descriptor("whole", [224], "average")),
        ("whole224-gem", "GeM p=3, whole picture, longer side 224", Descriptor("whole", [224], "gem")),
        ("whole320-gem", "GeM p=3, whole picture, longer side 320", Descriptor("whole", [320], "gem")),
        ("whole320-rmac", "R-MAC, whole picture, longer side 320", Descriptor("whole", [320], "rmac")),
        ("ms-gem", "GeM p=3, whole picture at 224 and 320", Descriptor("whole", [224, 320], "gem")),
        ("ms3-gem", "GeM p=3, whole picture at 224, 320 and 448", Descriptor("whole", [224, 320, 448], "gem")),
        ("ms-rmac", "R-MAC, whole picture at 224 and 320", Descriptor("whole", [224, 320], "rmac")),
        ("ms3-rmac", "R-MAC, whole picture at 224, 320 and 448 (the shipped descriptor without its whitening)", Descriptor("whole", [224, 320, 448], "rmac")),
        ("whole320-rmac-w", "R-MAC, whole picture, longer side 320, the shipped whitening (version 2's sizes)", Descriptor("whole", [320], "rmac", whitened: true)),
        ("whole448-rmac-w", "R-MAC, whole picture, longer side 448, the shipped whitening", Descriptor("whole", [448], "rmac", whitened: true)),
        ("shipped", "the shipped manifest (models/resnet18)", null)
    ];

    /// <summary>A models folder for the variant (the shipped one as it is for "shipped").</summary>
    public static VariantModels Create(string shippedModels, string name)
    {
        var (_, _, descriptor) = All.Single(variant => variant.Name == name);
        return name == "shipped"
            ? VariantModels.Create(shippedModels, name, _ => { })
            : VariantModels.WithDescriptor(shippedModels, name, descriptor);
    }

    private static JsonObject Descriptor(string fit, int[] sizes, string pooling, bool whitened = false)
    {
        var descriptor = new JsonObject
        {
            ["fit"] = fit,
            ["sizes"] = new JsonArray(sizes.Select(size => (JsonNode)size).ToArray()),
            ["pooling"] = pooling,
            ["power"] = 3
        };
        if (whitened)
        {
            descriptor["whitening"] = "whitening.bin";
        }

        return descriptor;
    }
}
