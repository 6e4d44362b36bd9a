namespace ImageSearch.Api.Security;

/// <summary>Endpoint metadata saying the endpoint checks X-Api-Key, so the OpenAPI document can say so too.</summary>
/// <param name="ForReads">Checked only when ApiKey:RequireForReads is set.</param>
public sealed record ApiKeyRequirement(bool ForReads);
