using System.Text.Json;
using Quell.Audit;
using Quell.Http;
using Quell.Identity;
using Quell.Storage;

namespace Quell.Enrichment;

/// <summary>
/// Saving an organisation's settings of an analyzer or responder, for <c>PUT /api/v1/analyzers/{name}</c>, the responders'
/// PUT and the admin page alike: one validation (<see cref="AnalyzerInput"/>), secrets encrypted, one transaction, audited.
/// </summary>
public static class AnalyzerSettingsWrites
{
    /// <summary>The saved settings as GET shows them, or the errors by field (<c>config.apikey</c>, <c>rateLimit</c>, …) and nothing stored.</summary>
    public sealed record Saved(AnalyzerView? View, InputErrors Errors);

    /// <summary>Replaces the settings of <paramref name="d"/> (stored under <paramref name="storedName"/>) with <paramref name="body"/>, the PUT body.</summary>
    public static async Task<Saved> SaveAsync(AnalyzerDefinition d, string storedName, JsonElement body, Caller caller, Db db, AuditLog audit,
        AnalyzerSecrets secrets, TimeProvider time, CancellationToken ct)
    {
        var name = d.Name;
        var errors = new InputErrors();
        var input = AnalyzerInput.Parse(body, d, errors);
        if (input is null)
            return new Saved(null, errors);

        return await db.WriteAsync(async (c, tx) =>
        {
            var before = await AnalyzerStore.SettingsAsync(c, caller.OrgId, storedName, tx);
            var oldSecrets = before is null ? [] : secrets.Unprotect(before.SecretsProtected);
            var plain = new Dictionary<string, string>(StringComparer.Ordinal);
            var secret = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in input.Config)
            {
                if (d.Item(key)!.Secret)
                {
                    if (value == AnalyzerSecrets.Mask && !oldSecrets.ContainsKey(key))
                        errors.Add($"config.{key}", $"config.{key} is the mask of a secret that is not set; send the secret itself");
                    else
                        secret[key] = value == AnalyzerSecrets.Mask ? oldSecrets[key] : value;
                    plain[key] = AnalyzerSecrets.Mask;
                }
                else
                    plain[key] = value;
            }
            if (input.Enabled)
                foreach (var item in d.Config.Where(i => i.Required && !plain.ContainsKey(i.Name)))
                    errors.Add($"config.{item.Name}", $"config.{item.Name} is required to enable {name} ({item.Description})");
            if (errors.Any)
                return new Saved(null, errors);
            var settings = new AnalyzerSettings
            {
                OrgId = caller.OrgId,
                Name = storedName,
                Enabled = input.Enabled,
                BaseUrl = input.BaseUrl,
                ConfigJson = ConfigJson.Write(plain),
                SecretsProtected = secrets.Protect(secret),
                RateLimitText = input.RateLimit?.ToString(),
                CacheTtlMs = input.CacheTtl is { } ttl ? (long)ttl.TotalMilliseconds : null,
                TimeoutMs = input.Timeout is { } timeout ? (long)timeout.TotalMilliseconds : null,
                MaxTlp = (int?)input.MaxTlp,
                MaxPap = (int?)input.MaxPap,
                Auto = input.Auto,
                Artifacts = input.Artifacts,
                UpdatedBy = caller.Actor,
                UpdatedAt = time.GetUtcNow().ToUnixTimeMilliseconds(),
            };
            await AnalyzerStore.SaveAsync(c, tx, settings);
            var kind = storedName == name ? "analyzer" : "responder";
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, $"{kind}.configure", kind, name,
                before is null ? null : AnalyzerView.Audit(d, before), AnalyzerView.Audit(d, settings)));
            return new Saved(AnalyzerView.Of(d, settings), errors);
        }, ct);
    }
}
