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

    [Theory]
    [InlineData("/products/shoe.jpg")]
    [InlineData("//products/shoe.jpg")]
    public void A_leading_slash_means_the_root_as_in_a_URL_path(string path) =>
        Assert.Equal(Path.Combine(_root.FullPath, "products", "shoe.jpg"), _root.Resolve(path));

    [Fact]
    public void A_server_path_is_read_under_the_root_not_as_itself()
    {
        // "/etc/passwd" is <root>/etc/passwd: missing, never the system's file; a server path of the root itself is no shortcut.
        Assert.Equal(ImageErrorKind.NotFound, Assert.Throws<ImageLoadException>(() => _root.Resolve("/etc/passwd")).Kind);
        Assert.Equal(ImageErrorKind.NotFound,
            Assert.Throws<ImageLoadException>(() => _root.Resolve(Path.Combine(_root.FullPath, "products", "shoe.jpg"))).Kind);
    }

    [Fact]
    public async Task A_folder_swapped_for_a_link_while_images_are_opened_never_yields_a_file_outside_the_root()
    {
        // A writer swaps the folder "race" for a link out of the root and back, as fast as it can, while the reader
        // opens race/x.jpg again and again: after any check on the path, the folder may have changed. Every open must
        // read the inside file or be refused, never the file outside.
        var folder = Path.Combine(_sandbox, "root", "race");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "x.jpg"), [1]);
        File.WriteAllBytes(Path.Combine(_sandbox, "elsewhere", "x.jpg"), [2]);
        using var stop = new CancellationTokenSource();
        using var firstSwap = new ManualResetEventSlim();
        var swaps = 0;
        Exception? swapFailure = null;
        // A thread of its own: on a busy thread pool a pooled swapper may not run at all before the reader is done.
        var swapper = new Thread(() =>
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    Directory.Move(folder, folder + ".real");
                    Directory.CreateSymbolicLink(folder, Path.Combine(_sandbox, "elsewhere"));
                    File.Delete(folder);
                    Directory.Move(folder + ".real", folder);
                    Interlocked.Increment(ref swaps);
                    firstSwap.Set();
                }
            }
            catch (Exception failure)
            {
                swapFailure = failure;
            }
            finally
            {
                firstSwap.Set();
            }
        }) { IsBackground = true };
        swapper.Start();

        var (read, refused) = (0, 0);
        try
        {
            firstSwap.Wait(TestContext.Current.CancellationToken);
            for (var attempt = 0; attempt < 200_000 && (read == 0 || Volatile.Read(ref swaps) < 1000); attempt++)
            {
                try
                {
                    using var stream = _root.OpenRead("race/x.jpg");
                    Assert.Equal(1, stream.ReadByte());
                    read++;
                }
                catch (ImageLoadException error) when (error.Kind is ImageErrorKind.OutsideRoot or ImageErrorKind.NotFound)
                {
                    refused++;
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            swapper.Join();
        }

        Assert.Null(swapFailure);
        Assert.True(read > 0 && swaps >= 1000, $"the race was not exercised ({read} read, {refused} refused, {swaps} swaps)");
    }

    [Fact]
    public async Task A_file_over_the_size_cap_is_refused_before_it_is_read()
    {
        using var services = Embedding.EmbedderFixture.CreateServices(Path.Combine(_sandbox, "root"),
            new Dictionary<string, string?> { ["ImageLoader:MaxFileBytes"] = "1024" });
        File.WriteAllBytes(Path.Combine(_sandbox, "root", "products", "big.jpg"), new byte[1025]);
        var loader = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<ImageLoader>(services);

        var error = await Assert.ThrowsAsync<ImageLoadException>(() => loader.ReadAsync(new ImageSource.File("products/big.jpg"), TestContext.Current.CancellationToken));

        Assert.Equal(ImageErrorKind.TooLarge, error.Kind);
        Assert.Contains("MaxFileBytes", error.Message);
    }


    [Theory]
    [InlineData("../elsewhere/secret.jpg")]
    [InlineData("products/../../elsewhere/secret.jpg")]
    [InlineData("products/../shoe.jpg")]
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
