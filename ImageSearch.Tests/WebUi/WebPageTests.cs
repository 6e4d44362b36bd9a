using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImageSearch.Tests.WebUi;

// The page at / in a real browser (Debian's Chromium, headless) against the running system.
[Collection(WebUiCollection.Name)]
public class WebPageTests(WebUiApp fixture) : IAsyncLifetime
{
    private IBrowserContext? context;

    public async ValueTask InitializeAsync()
    {
        // A deadline for the page to reach each expected state, not a claim about speed.
        SetDefaultExpectTimeout(60_000);
        if (fixture.Browser is not null)
        {
            context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
            {
                BaseURL = fixture.ApiAddress.ToString(),
                ViewportSize = new ViewportSize { Width = 1400, Height = 1000 }
            });
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (context is not null)
        {
            await context.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_uploaded_photo_finds_its_product_first_and_the_category_filter_narrows_the_grid()
    {
        fixture.RequireBrowser();
        var page = await context!.NewPageAsync();
        await page.GotoAsync("/");
        var product = fixture.Products[0];

        await page.Locator("#image-input").SetInputFilesAsync(product.File);

        var first = page.Locator("#results li").First;
        await Expect(first).ToHaveAttributeAsync("data-product-id", product.ProductId);
        await Expect(first.Locator(".name")).ToHaveTextAsync($"Product {product.ProductId}");
        await Expect(first.Locator(".score")).ToHaveTextAsync("1.000");
        await Expect(first).ToContainTextAsync($"category: {product.Category}");
        foreach (var other in fixture.Products)
        {
            await Expect(page.Locator($"#results li[data-product-id='{other.ProductId}']")).ToHaveCountAsync(1);
        }

        // The thumbnail is the indexed image, served by the API.
        await Expect(first.Locator("img")).ToHaveAttributeAsync("src", $"images/{product.ImagePath}");
        await page.WaitForFunctionAsync("() => { const img = document.querySelector('#results li img'); return img.complete && img.naturalWidth > 0; }");
        await SaveScreenshotAsync(page, "search-results");

        // The photo's own category is "even": filtered to "odd", the grid holds only the odd products.
        await page.Locator("#category").FillAsync("odd");
        await page.Locator("#search-button").ClickAsync();
        await Expect(page.Locator("#results li:not(:has-text('category: odd'))")).ToHaveCountAsync(0);
        await Expect(page.Locator("#results li")).ToHaveCountAsync(fixture.Products.Count(p => p.Category == "odd"));
    }

    [Fact]
    public async Task A_task_enqueued_through_the_form_shows_pending_then_completed_and_the_queue_panel_shows_the_workers()
    {
        fixture.RequireBrowser();
        var page = await context!.NewPageAsync();
        await page.GotoAsync("/");

        await Expect(page.Locator("#workers li[data-worker-id]")).ToHaveCountAsync(2);
        await Expect(page.Locator("#stat-active_workers")).ToHaveTextAsync("2");

        await page.Locator("#api-key").FillAsync(WebUiApp.ApiKey);
        await page.Locator("#enqueue-path").FillAsync(fixture.UnindexedImagePath!);
        await page.Locator("#enqueue-product").FillAsync("enqueued-in-browser");
        await page.Locator("#enqueue-name").FillAsync("Enqueued in the browser");
        await page.Locator("#enqueue-category").FillAsync("new");
        await page.Locator("#enqueue-button").ClickAsync();

        var task = page.Locator("#tasks li[data-task-id]").Filter(new LocatorFilterOptions { HasText = "enqueued-in-browser" });
        await Expect(task).ToHaveAttributeAsync("data-status", "completed");
        // The trail the page saw, from the enqueue's answer to the last poll.
        await Expect(task.Locator(".task-status")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^pending → .*completed$"));
        await SaveScreenshotAsync(page, "queue-panel");

        // Indexed for real: searching with its own path finds it first.
        await page.Locator("#category").FillAsync("");
        await page.Locator("#image-url").FillAsync(fixture.UnindexedImagePath!);
        await page.Locator("#search-button").ClickAsync();
        await Expect(page.Locator("#results li").First).ToHaveAttributeAsync("data-product-id", "enqueued-in-browser");
    }

    [Fact]
    public async Task A_dead_letter_is_listed_with_its_reason_and_requeued_with_the_key_completes()
    {
        fixture.RequireBrowser();
        var page = await context!.NewPageAsync();
        await page.GotoAsync("/");
        await page.Locator("#api-key").FillAsync(WebUiApp.ApiKey);

        // The image is not there yet: the task fails for good and becomes a dead letter.
        await page.Locator("#enqueue-path").FillAsync("catalog/arrives-late.jpg");
        await page.Locator("#enqueue-product").FillAsync("arrives-late");
        await page.Locator("#enqueue-button").ClickAsync();
        var task = page.Locator("#tasks li[data-task-id]").Filter(new LocatorFilterOptions { HasText = "arrives-late" });
        await Expect(task).ToHaveAttributeAsync("data-status", "dead");
        var deadLetter = page.Locator("#dead-letters li[data-task-id]").Filter(new LocatorFilterOptions { HasText = "arrives-late" });
        // A stable reason, without the server's paths (the worker's log has the detail).
        await Expect(deadLetter.Locator(".error-text")).ToContainTextAsync("image_not_found");

        // Once the image is in place, Requeue sends the task round again and it completes.
        File.Copy(fixture.SparePhoto!, Path.Combine(fixture.ImageRoot, "catalog", "arrives-late.jpg"));
        await deadLetter.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Requeue" }).ClickAsync();
        await Expect(task).ToHaveAttributeAsync("data-status", "completed");
        await Expect(task.Locator(".task-status")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("dead → pending → .*completed$"));
        await Expect(deadLetter).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Enqueueing_without_the_key_shows_the_reason()
    {
        fixture.RequireBrowser();
        var page = await context!.NewPageAsync();
        await page.GotoAsync("/");

        await page.Locator("#enqueue-path").FillAsync("catalog/none.jpg");
        await page.Locator("#enqueue-product").FillAsync("no-key");
        await page.Locator("#enqueue-button").ClickAsync();

        await Expect(page.Locator("#queue-status")).ToHaveTextAsync("Unauthorized: Send the API key in the X-Api-Key header.");
        await Expect(page.Locator("#tasks li[data-task-id]")).ToHaveCountAsync(0);
    }

    private static async Task SaveScreenshotAsync(IPage page, string name)
    {
        var folder = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;
        var bytes = await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
        TestContext.Current.AddAttachment(name, bytes, "image/png");
    }
}
