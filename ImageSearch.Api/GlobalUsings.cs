global using ImageSearch.Api.Apis;
global using ImageSearch.Api.Extensions;
global using ImageSearch.Api.Model;
global using ImageSearch.Indexing.Queue;
global using Microsoft.AspNetCore.Http.HttpResults;
