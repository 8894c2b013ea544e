using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Components;
using Quell.Audit;
using Quell.Enrichment;
using Quell.Http;
using Quell.Identity;
using Quell.Observables;

namespace Quell.Server.Ui.Admin;

/// <summary>
/// One analyzer's settings as a form. Saving builds the body of <c>PUT /api/v1/analyzers/{name}</c> and goes through
/// <see cref="AnalyzerSettingsWrites.SaveAsync"/>, so the page and the API validate, encrypt and audit alike. Secret items
/// are write-only: the page says whether one is set and never puts its value (or its mask) into the HTML.
/// </summary>
public sealed partial class AnalyzerPage
{
    /// <summary>Form names of configuration items; their names are the flavour's own, so they stay out of Blazor's form binding.</summary>
    const string ConfigPrefix = "config.";
    const string ClearPrefix = "clear.";

    static readonly string[] TlpChoices = Enum.GetValues<Tlp>().Select(TlpNames.Name).ToArray();

    [Parameter] public string Name { get; set; } = "";
    [SupplyParameterFromForm(FormName = "analyzer")] SettingsForm? Form { get; set; }
    [SupplyParameterFromQuery(Name = "saved")] bool? SavedFlag { get; set; }

    [Inject] AnalyzerCatalogue Catalogue { get; set; } = default!;
    [Inject] AnalyzerSecrets Secrets { get; set; } = default!;
    [Inject] AuditLog Audit { get; set; } = default!;

    sealed class SettingsForm
    {
        public bool Enabled { get; set; }
        public string? BaseUrl { get; set; }
        public string? RateLimit { get; set; }
        public string? CacheTtl { get; set; }
        public string? Timeout { get; set; }
        public string? MaxTlp { get; set; }
        public string? MaxPap { get; set; }
        public string? Auto { get; set; }
        public string? Artifacts { get; set; }
    }

    AnalyzerDefinition? Definition;
    AnalyzerSettings? Stored;
    readonly InputErrors Errors = new();
    Dictionary<string, string> Values = new(StringComparer.Ordinal);
    bool Saved => SavedFlag == true && !Errors.Any && Forbidden is null;
    (string By, long At)? Updated => Stored is null ? null : (Stored.UpdatedBy, Stored.UpdatedAt);

    protected override async Task OnInitializedAsync()
    {
        // Set before the first await: on PostgreSQL the read completes asynchronously and the page renders once before it does.
        var posted = Form is not null;
        Form ??= new();
        Definition = Catalogue.Definition(Name);
        if (Definition is null)
        {
            HttpContext.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        var orgId = Caller.OrgId;
        Stored = await Db.ReadAsync(c => AnalyzerStore.SettingsAsync(c, orgId, Name), HttpContext.RequestAborted);
        if (posted)
        {
            Values = HttpContext.Request.Form.Where(f => f.Key.StartsWith(ConfigPrefix, StringComparison.Ordinal))
                .ToDictionary(f => f.Key[ConfigPrefix.Length..], f => f.Value.ToString(), StringComparer.Ordinal);
            return;
        }
        var s = Stored;
        Values = new(AnalyzerView.Of(Definition, s).Config, StringComparer.Ordinal);
        Form = new()
        {
            Enabled = s?.Enabled ?? false,
            BaseUrl = s?.BaseUrl,
            RateLimit = s?.RateLimitText,
            CacheTtl = s?.CacheTtlMs is { } ttl ? Seconds(TimeSpan.FromMilliseconds(ttl)) : null,
            Timeout = s?.TimeoutMs is { } t ? Seconds(TimeSpan.FromMilliseconds(t)) : null,
            MaxTlp = s?.MaxTlp is { } tlp ? TlpNames.Name(tlp) : null,
            MaxPap = s?.MaxPap is { } pap ? TlpNames.Name(pap) : null,
            Auto = s?.Auto ?? AutoModes.Off,
            Artifacts = s?.Artifacts ?? ArtifactModes.Keep,
        };
    }

    static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";

    static string FieldId(string item) => "item-" + string.Concat(item.Select(ch => char.IsAsciiLetterOrDigit(ch) ? ch : '-'));

    /// <summary>Whether a secret item has a stored value (its plain config holds the mask then).</summary>
    bool SecretSet(string item) => Stored is not null && AnalyzerView.Of(Definition!, Stored).Config.ContainsKey(item);

    /// <summary>A non-secret item's value as stored, or as typed in a refused post.</summary>
    string? Entered(string item) => Values.TryGetValue(item, out var v) && v.Length > 0 && v != AnalyzerSecrets.Mask ? v : null;

    /// <summary>The form as the PUT body: empty fields are left out (the analyzer's default), a kept secret is sent as the mask.</summary>
    JsonObject ToJson()
    {
        var f = Form!;
        var config = new JsonObject();
        foreach (var item in Definition!.Config)
        {
            var typed = Values.GetValueOrDefault(item.Name)?.Trim() ?? "";
            if (item.Secret)
            {
                var clear = HttpContext.Request.Form.ContainsKey(ClearPrefix + item.Name);
                if (typed.Length > 0)
                    config[item.Name] = typed;
                else if (!clear && SecretSet(item.Name))
                    config[item.Name] = AnalyzerSecrets.Mask;
            }
            else if (typed.Length > 0)
                config[item.Name] = typed;
        }
        var body = new JsonObject { ["enabled"] = f.Enabled, ["config"] = config };
        void Optional(string name, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
                body[name] = value.Trim();
        }
        Optional("baseUrl", f.BaseUrl);
        Optional("rateLimit", f.RateLimit);
        Optional("cacheTtl", f.CacheTtl);
        Optional("timeout", f.Timeout);
        Optional("maxTlp", f.MaxTlp);
        Optional("maxPap", f.MaxPap);
        Optional("auto", f.Auto);
        Optional("artifacts", f.Artifacts);
        return body;
    }

    async Task SaveAsync()
    {
        if (Definition is null || !Require(Permission.AnalyzerManage))
            return;
        using var doc = JsonDocument.Parse(ToJson().ToJsonString());
        var saved = await AnalyzerSettingsWrites.SaveAsync(Definition, Definition.Name, doc.RootElement, Caller, Db, Audit, Secrets, Time, HttpContext.RequestAborted);
        if (saved.View is null)
        {
            Errors.AddAll(saved.Errors, "");
            HttpContext.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        Navigation.NavigateTo($"/admin/analyzers/{Uri.EscapeDataString(Definition.Name)}?saved=true");
    }
}
