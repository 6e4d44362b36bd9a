using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace ImageSearch.Benchmarks;

/// <summary>
/// Issue 10's attack, measured: the API started on its own (a Release build, default settings, over a redis-server
/// started here) gets 16 concurrent POST /search uploads of one small PNG declaring a huge one-bit image, and then of
/// one at the whole-decode cap (4096 × 4096). Prints the API's peak resident memory (sampled every 10 ms from /proc)
/// and every answer's status and time. <c>--api PATH</c> measures another build of the API (the code before a change).
/// </summary>
public sealed class BombBenchmark : IBenchmark
{
    public string Name => "bombs";

    public string Description => "16 concurrent image-bomb searches: the API's peak memory and answer times (--api PATH, --concurrency N)";

    public async Task<int> RunAsync(string[] args)
    {
        var api = Option(args, "--api") ?? Path.Combine(RepositoryRoot(), "ImageSearch.Api", "bin", "Release", "net10.0", "ImageSearch.Api.dll");
        var concurrency = int.Parse(Option(args, "--concurrency") ?? "16");
        if (!File.Exists(api))
        {
            Console.Error.WriteLine($"No API build at {api}: run `dotnet build -c Release ImageSearch.Api` first, or pass --api PATH.");
            return 1;
        }

        var work = Directory.CreateTempSubdirectory("imagesearch-bombs-").FullName;
        var (redisPort, apiPort) = (FreePort(), FreePort());
        using var redis = Start("redis-server", ["--bind", "127.0.0.1", "--port", redisPort.ToString(), "--save", "", "--appendonly", "no", "--dir", work], null);
        using var apiProcess = Start("dotnet", [api], new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{apiPort}",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__redis"] = $"127.0.0.1:{redisPort}",
            ["ImageLoader__ImageRoot"] = Directory.CreateDirectory(Path.Combine(work, "images")).FullName,
            ["ApiKey__Key"] = "bomb-benchmark",
            ["Logging__LogLevel__Default"] = "Warning"
        }, Path.GetDirectoryName(api));
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}"), Timeout = TimeSpan.FromMinutes(5) };
            await WaitHealthyAsync(http, apiProcess);
            Console.WriteLine($"API: {api}");
            Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}, {Environment.ProcessorCount} cores");
            Console.WriteLine($"idle resident: {ResidentMegabytes(apiProcess.Id)} MB");

            foreach (var side in new[] { 10_000, 4_096 })
            {
                var png = OneBitPng(side, side);
                await AttackAsync(http, apiProcess.Id, $"{side}x{side} one-bit PNG ({png.Length / 1024.0:0.#} KB)", png, concurrency);
            }

            return 0;
        }
        finally
        {
            Stop(apiProcess);
            Stop(redis);
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task AttackAsync(HttpClient http, int apiPid, string what, byte[] image, int concurrency)
    {
        var peak = 0L;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, ResidentMegabytes(apiPid));
                await Task.Delay(10);
            }
        });

        var started = Stopwatch.StartNew();
        var answers = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            using var form = new MultipartFormDataContent();
            var file = new ByteArrayContent(image);
            file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            form.Add(file, "image", "bomb.png");
            var timer = Stopwatch.StartNew();
            using var response = await http.PostAsync("/search", form);
            await response.Content.ReadAsByteArrayAsync();
            return ((int)response.StatusCode, timer.Elapsed);
        }));
        await sampling.CancelAsync();
        await sampler;
        peak = Math.Max(peak, ResidentMegabytes(apiPid));

        var statuses = string.Join(", ", answers.GroupBy(a => a.Item1).OrderBy(g => g.Key).Select(g => $"{g.Key} x{g.Count()}"));
        Console.WriteLine($"{concurrency} x {what}: peak resident {peak} MB, slowest answer {answers.Max(a => a.Elapsed).TotalSeconds:0.00} s, " +
            $"median {answers.Select(a => a.Elapsed).Order().ElementAt(answers.Length / 2).TotalSeconds:0.00} s, all in {started.Elapsed.TotalSeconds:0.00} s; answers: {statuses}");
    }

    /// <summary>A one-bit greyscale PNG, all white: a few KB that declare width × height pixels (as PIL's optimize=True writes it).</summary>
    private static byte[] OneBitPng(int width, int height)
    {
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 1; // bit depth; colour type 0 (grey), no interlace
        Chunk(png, "IHDR", header);
        using var pixels = new MemoryStream();
        using (var zlib = new ZLibStream(pixels, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var row = new byte[1 + (width + 7) / 8];
            Array.Fill(row, (byte)0xFF);
            row[0] = 0; // filter: none
            for (var y = 0; y < height; y++)
            {
                zlib.Write(row);
            }
        }

        Chunk(png, "IDAT", pixels.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        byte[] typeAndData = [.. Encoding.ASCII.GetBytes(type), .. data];
        png.Write(typeAndData);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, System.IO.Hashing.Crc32.HashToUInt32(typeAndData));
        png.Write(crc);
    }

    private static async Task WaitHealthyAsync(HttpClient http, Process api)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (DateTime.UtcNow < deadline && !api.HasExited)
        {
            try
            {
                if ((await http.GetAsync("/health")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        throw new InvalidOperationException("The API did not become healthy.");
    }

    private static long ResidentMegabytes(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static Process Start(string file, string[] arguments, IReadOnlyDictionary<string, string>? environment, string? directory = null)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory ?? "" };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    private static string? Option(string[] args, string name) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ImageSearch.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("ImageSearch.sln not found above " + AppContext.BaseDirectory);
    }
}
