using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Quell.Identity;

namespace Quell.Intel.Feeds;

/// <summary>
/// Feed options that hold credentials (an API key for a MISP instance or ThreatFox, a TAXII password) are encrypted at
/// rest with ASP.NET Core Data Protection, whose keys live in the store (DataProtectionKeyStore), and never shown
/// again: the API lists their names with the value masked.
/// </summary>
public sealed class FeedSecrets(IDataProtectionProvider provider)
{
    public const string Mask = ProtectedSecrets.Mask;
    static readonly string[] SecretWords = ["key", "token", "password", "secret", "authorization", "auth", "credential"];

    readonly ProtectedSecrets _secrets = new(provider, "Quell.Intel.Feeds.Secrets.v1");

    /// <summary>An option is secret when its name says so (apiKey, api_key, token, password, authorization, ...).</summary>
    public static bool IsSecret(string option) =>
        SecretWords.Any(w => option.Contains(w, StringComparison.OrdinalIgnoreCase));

    public string? Protect(IReadOnlyDictionary<string, string> secrets) => _secrets.Protect(secrets);

    /// <summary>The secret options; a payload that no key can open any more (keys lost) fails the pull with a clear message.</summary>
    public Dictionary<string, string> Unprotect(string? payload) =>
        _secrets.TryUnprotect(payload, out var secrets) ? secrets
            : throw new FeedFormatException("the feed's secret options cannot be decrypted (the data protection keys changed); set them again with PATCH");

    /// <summary>Plain options as stored (JSON object of strings).</summary>
    public static Dictionary<string, string> ReadPlain(string json) =>
        new(JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [], StringComparer.Ordinal);
}
