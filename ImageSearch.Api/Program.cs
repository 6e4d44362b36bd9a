using ImageSearch.Api.OpenApi;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

// First, so that everything after it sees the client's address (from trusted proxies only).
app.UseForwardedHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseRateLimiter();

app.MapDefaultEndpoints();
app.MapApiDescription();
app.MapQueueApi();
app.MapSearchApi();
app.MapProductsApi();
app.MapImagesApi();
app.MapIndexApi();

app.Run();
