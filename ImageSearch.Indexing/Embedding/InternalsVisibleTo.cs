using System.Runtime.CompilerServices;

// The embed benchmark times decoding and inference separately.
[assembly: InternalsVisibleTo("ImageSearch.Benchmarks")]
// The tests check the R-MAC regions and the in-memory graph rewrite directly.
[assembly: InternalsVisibleTo("ImageSearch.Tests")]
