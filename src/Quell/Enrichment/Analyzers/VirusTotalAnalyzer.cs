using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Quell.Observables;

namespace Quell.Enrichment.Analyzers;

/// <summary>
/// VirusTotal API v3: <c>GET /api/v3/{urls|domains|ip_addresses|files}/{id}</c> with the <c>x-apikey</c> header. A URL's
/// id is the unpadded base64url of the URL. The verdict comes from <c>last_analysis_stats</c>: 3 or more engines
/// saying malicious is malicious, 1–2 (or any "suspicious") suspicious, none with harmless votes safe; 404 NotFoundError
/// means VirusTotal has never seen the value (info). The public API allows 4 requests a minute and 500 a day.
/// </summary>
public sealed class VirusTotalAnalyzer : IAnalyzer
{
    public AnalyzerDefinition Definition { get; } = new("virustotal", "VirusTotal v3 reports for URLs, domains, IP addresses and file hashes",
        ["url", "domain", "fqdn", "hostname", "ip", "hash"], [new ConfigItem("key", "API key (x-apikey)", Secret: true, Required: true)],
        "https://www.virustotal.com", Tlp.Amber, Tlp.Amber, AnalyzerCatalogue.Limit("4/min, 500/day"), TimeSpan.FromDays(1), TimeSpan.FromSeconds(30));

    /// <summary>The URL identifier VirusTotal documents: base64url of the URL without padding.</summary>
    public static string UrlId(string url) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(url)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async Task<AnalyzerResult> AnalyzeAsync(AnalyzerRun run, CancellationToken ct)
    {
        var path = run.DataType switch
        {
            "url" => "api/v3/urls/" + UrlId(run.Data),
            "domain" or "fqdn" or "hostname" => "api/v3/domains/" + Uri.EscapeDataString(run.Data),
            "ip" => "api/v3/ip_addresses/" + Uri.EscapeDataString(run.Data),
            _ => "api/v3/files/" + Uri.EscapeDataString(run.Data),
        };
        using var request = new HttpRequestMessage(HttpMethod.Get, run.Url(path));
        request.Headers.Add("x-apikey", run.Require("key"));
        request.Headers.Accept.Add(AnalyzerHttp.AcceptJson);
        var answer = await run.Http.SendAsync(request, ct, HttpStatusCode.NotFound);
        if (answer.Status == HttpStatusCode.NotFound)
            return new AnalyzerResult([new Taxonomy(Levels.Info, "VT", "GetReport", "not found")], answer.Json, []);
        if (!answer.Json.TryGetProperty("data", out var data) || !data.TryGetProperty("attributes", out var attributes) ||
            !attributes.TryGetProperty("last_analysis_stats", out var stats) || stats.ValueKind != JsonValueKind.Object)
            throw new AnalyzerFailedException("the answer has no data.attributes.last_analysis_stats");
        int Stat(string name) => stats.TryGetProperty(name, out var v) && v.TryGetInt32(out var n) ? n : 0;
        var malicious = Stat("malicious");
        var suspicious = Stat("suspicious");
        var total = malicious + suspicious + Stat("harmless") + Stat("undetected");
        var level = malicious >= 3 ? Levels.Malicious
            : malicious > 0 || suspicious > 0 ? Levels.Suspicious
            : Stat("harmless") > 0 ? Levels.Safe
            : Levels.Info;
        var taxonomies = new List<Taxonomy> { new(level, "VT", "GetReport", $"{malicious}/{total}") };
        if (attributes.TryGetProperty("reputation", out var rep) && rep.TryGetInt32(out var reputation))
            taxonomies.Add(new Taxonomy(Levels.Info, "VT", "Reputation", reputation.ToString(CultureInfo.InvariantCulture)));
        return new AnalyzerResult(taxonomies, answer.Json, Artifacts(run.DataType, attributes));
    }

    /// <summary>What a report names that can become observables: a URL's final address, a file's names.</summary>
    static List<Artifact> Artifacts(string dataType, JsonElement attributes)
    {
        var list = new List<Artifact>();
        if (dataType == "url" && attributes.TryGetProperty("last_final_url", out var final) && final.ValueKind == JsonValueKind.String)
            list.Add(new Artifact("url", final.GetString()!, "last_final_url"));
        if (dataType == "hash" && attributes.TryGetProperty("sha256", out var sha) && sha.ValueKind == JsonValueKind.String)
            list.Add(new Artifact("hash", sha.GetString()!, "sha256"));
        if (dataType == "hash" && attributes.TryGetProperty("meaningful_name", out var name) && name.ValueKind == JsonValueKind.String)
            list.Add(new Artifact("filename", name.GetString()!, "meaningful_name"));
        return list;
    }
}
