using ImageSearch.Indexing.Imaging;

namespace ImageSearch.Tests.Imaging;

public sealed class ImageRootTests : IDisposable
{
    private readonly string _sandbox = Directory.CreateTempSubdirectory("imagesearch-root-").FullName;
    private readonly ImageRoot _root;

    public ImageRootTests()
    {
        Directory.CreateDirectory(Path.Combine(_sandbox, "root", "products"));
        Directory.CreateDirectory(Path.Combine(_sandbox, "elsewhere"));
        File.WriteAllBytes(Path.Combine(_sandbox, "root", "products", "shoe.jpg"), [1]);
        File.WriteAllBytes(Path.Combine(_sandbox, "elsewhere", "secret.jpg"), [2]);
        _root = new ImageRoot(Path.Combine(_sandbox, "root"));
    }

    [Theory]
    [InlineData("products/shoe.jpg")]
    [InlineData("products\\shoe.jpg")]
    [InlineData("./products/shoe.jpg")]
    public void A_path_under_the_root_resolves_to_the_file(string path)
    {
        Assert.Equal(Path.Combine(_root.FullPath, "products", "shoe.jpg"), _root.Resolve(path.Replace('\\', Path.DirectorySeparatorChar)));
    }

    [Fact]
    public void An_absolute_path_inside_the_root_is_accepted() =>
        Assert.Equal(Path.Combine(_root.FullPath, "products", "shoe.jpg"), _root.Resolve(Path.Combine(_root.FullPath, "products", "shoe.jpg")));

    [Theory]
    [InlineData("../elsewhere/secret.jpg")]
    [InlineData("products/../../elsewhere/secret.jpg")]
    [InlineData("products/../shoe.jpg")]
    [InlineData("/etc/passwd")]
    [InlineData("products/shoe.jpg\0.png")]
    [InlineData("products/\nshoe.jpg")]
    public void A_path_that_could_leave_the_root_is_refused(string path)
    {
        var error = Assert.Throws<ImageLoadException>(() => _root.Resolve(path));
        Assert.Equal(ImageErrorKind.OutsideRoot, error.Kind);
    }

    [Fact]
    public void A_symbolic_link_to_a_file_outside_the_root_is_refused()
    {
        File.CreateSymbolicLink(Path.Combine(_sandbox, "root", "link.jpg"), Path.Combine(_sandbox, "elsewhere", "secret.jpg"));

        var error = Assert.Throws<ImageLoadException>(() => _root.Resolve("link.jpg"));
        Assert.Equal(ImageErrorKind.OutsideRoot, error.Kind);
        Assert.Contains("symbolic link", error.Message);
    }

    [Fact]
    public void A_symbolic_link_to_a_folder_outside_the_root_is_refused()
    {
        Directory.CreateSymbolicLink(Path.Combine(_sandbox, "root", "mounted"), Path.Combine(_sandbox, "elsewhere"));

        var error = Assert.Throws<ImageLoadException>(() => _root.Resolve("mounted/secret.jpg"));
        Assert.Equal(ImageErrorKind.OutsideRoot, error.Kind);
    }

    [Fact]
    public void A_relative_symbolic_link_that_climbs_out_is_refused()
    {
        File.CreateSymbolicLink(Path.Combine(_sandbox, "root", "products", "sneaky.jpg"), "../../elsewhere/secret.jpg");

        Assert.Equal(ImageErrorKind.OutsideRoot, Assert.Throws<ImageLoadException>(() => _root.Resolve("products/sneaky.jpg")).Kind);
    }

    [Fact]
    public void A_symbolic_link_that_stays_inside_the_root_is_followed()
    {
        File.CreateSymbolicLink(Path.Combine(_sandbox, "root", "alias.jpg"), "products/shoe.jpg");

        Assert.Equal(Path.Combine(_root.FullPath, "products", "shoe.jpg"), _root.Resolve("alias.jpg"));
    }

    [Fact]
    public void A_root_reached_through_a_symbolic_link_still_works()
    {
        var linkedRoot = Path.Combine(_sandbox, "root-link");
        Directory.CreateSymbolicLink(linkedRoot, Path.Combine(_sandbox, "root"));

        Assert.Equal(Path.Combine(_root.FullPath, "products", "shoe.jpg"), new ImageRoot(linkedRoot).Resolve("products/shoe.jpg"));
    }

    [Theory]
    [InlineData("products/missing.jpg")]
    [InlineData("products")]
    [InlineData("")]
    public void A_missing_file_a_folder_or_an_empty_path_is_not_found(string path)
    {
        Assert.Equal(ImageErrorKind.NotFound, Assert.Throws<ImageLoadException>(() => _root.Resolve(path)).Kind);
    }

    public void Dispose() => Directory.Delete(_sandbox, recursive: true);
}
