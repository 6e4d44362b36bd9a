global using ImageSearch.Indexing.Queue;
global using ImageSearch.Worker;
global using ImageSearch.Worker.Extensions;
global using ImageSearch.Worker.Services;
global using ImageSearch.Indexing.Embedding;
global using ImageSearch.Indexing.VectorStore;
