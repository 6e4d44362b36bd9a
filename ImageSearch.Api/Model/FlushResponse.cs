namespace ImageSearch.Api.Model;

public sealed record FlushResponse(string Message, long ItemsDeleted);
