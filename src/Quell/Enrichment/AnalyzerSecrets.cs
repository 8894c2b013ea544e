using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace Quell.Enrichment;

/// <summary>
/// Secret configuration items of analyzers (API keys), encrypted at rest with ASP.NET Core Data Protection (keys in the
/// store, see Identity/DataProtectionKeyStore) under their own purpose. The API shows them as <see cref="Mask"/>.
/// </summary>
public sealed class AnalyzerSecrets(IDataProtectionProvider provider)
{
    public const string Mask = "********";

    readonly IDataProtector _protector = provider.CreateProtector("Quell.Enrichment.AnalyzerSecrets.v1");

    public string? Protect(IReadOnlyDictionary<string, string> secrets) =>
        secrets.Count == 0 ? null : _protector.Protect(JsonSerializer.Serialize(secrets));

    /// <summary>The secret items; a payload no key opens any more fails the run with what to do.</summary>
    public Dictionary<string, string> Unprotect(string? payload)
    {
        if (payload is null)
            return new(StringComparer.Ordinal);
        try
        {
            return new(JsonSerializer.Deserialize<Dictionary<string, string>>(_protector.Unprotect(payload)) ?? [], StringComparer.Ordinal);
        }
        catch (CryptographicException e)
        {
            throw new AnalyzerFailedException("the analyzer's secret configuration cannot be decrypted (the data protection keys changed); set it again with PUT /api/v1/analyzers/{name}", e);
        }
    }
}
