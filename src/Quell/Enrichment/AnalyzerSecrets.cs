using Microsoft.AspNetCore.DataProtection;
using Quell.Identity;

namespace Quell.Enrichment;

/// <summary>Secret configuration items of analyzers (API keys), encrypted at rest under their own purpose and shown as <see cref="Mask"/>.</summary>
public sealed class AnalyzerSecrets(IDataProtectionProvider provider)
{
    public const string Mask = ProtectedSecrets.Mask;

    readonly ProtectedSecrets _secrets = new(provider, "Quell.Enrichment.AnalyzerSecrets.v1");

    public string? Protect(IReadOnlyDictionary<string, string> secrets) => _secrets.Protect(secrets);

    /// <summary>The secret items; a payload no key opens any more fails the run with what to do.</summary>
    public Dictionary<string, string> Unprotect(string? payload) =>
        _secrets.TryUnprotect(payload, out var secrets) ? secrets
            : throw new AnalyzerFailedException("the analyzer's secret configuration cannot be decrypted (the data protection keys changed); set it again with PUT /api/v1/analyzers/{name}");
}
