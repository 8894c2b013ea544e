using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace Quell.Identity;

/// <summary>
/// Named secrets (API keys, passwords of integrations) as one payload encrypted at rest with ASP.NET Core Data
/// Protection, whose keys live in the store (<see cref="DataProtectionKeyStore"/>). Feeds and analyzers each use their
/// own purpose; the API shows a secret only as <see cref="Mask"/>.
/// </summary>
public sealed class ProtectedSecrets(IDataProtectionProvider provider, string purpose)
{
    public const string Mask = "********";

    readonly IDataProtector _protector = provider.CreateProtector(purpose);

    public string? Protect(IReadOnlyDictionary<string, string> secrets) =>
        secrets.Count == 0 ? null : _protector.Protect(JsonSerializer.Serialize(secrets));

    /// <summary>The secrets, empty without a payload; false when no key opens the payload any more (the keys changed).</summary>
    public bool TryUnprotect(string? payload, out Dictionary<string, string> secrets)
    {
        secrets = new(StringComparer.Ordinal);
        if (payload is null)
            return true;
        try
        {
            secrets = new(JsonSerializer.Deserialize<Dictionary<string, string>>(_protector.Unprotect(payload)) ?? [], StringComparer.Ordinal);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
