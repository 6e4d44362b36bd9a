using System.Runtime.CompilerServices;

// The embed benchmark times decoding and inference separately.
[assembly: InternalsVisibleTo("ImageSearch.Benchmarks")]
