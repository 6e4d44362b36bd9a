namespace ImageSearch.Indexing.VectorStore;

/// <summary>
/// The vector store could not be reached after retrying. Transient: the caller may try the work again later.
/// </summary>
public sealed class VectorStoreUnavailableException(string message, Exception innerException)
    : Exception(message, innerException);
