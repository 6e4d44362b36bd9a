using System.Reflection;
using ImageSearch.Benchmarks;

var benchmarks = Assembly.GetExecutingAssembly().GetTypes()
    .Where(type => type is { IsClass: true, IsAbstract: false } && type.IsAssignableTo(typeof(IBenchmark)))
    .Select(type => (IBenchmark)Activator.CreateInstance(type)!)
    .OrderBy(benchmark => benchmark.Name)
    .ToList();

if (args is [var name, .. var rest] && benchmarks.FirstOrDefault(b => b.Name == name) is { } chosen)
{
    return await chosen.RunAsync(rest);
}

Console.WriteLine("usage: dotnet run -c Release --project ImageSearch.Benchmarks -- <benchmark> [options]");
foreach (var benchmark in benchmarks)
{
    Console.WriteLine($"  {benchmark.Name,-10} {benchmark.Description}");
}

return args.Length == 0 ? 0 : 1;
