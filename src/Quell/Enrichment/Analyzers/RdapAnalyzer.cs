using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Quell.Observables;

namespace Quell.Enrichment.Analyzers;

/// <summary>
/// RDAP (RFC 9083) <c>GET {base}/domain/{name}</c>: the registration event gives the domain's age, which is suspicious
/// under <c>suspiciousAgeDays</c> (default 30): phishing domains are mostly days old. Also reads the expiration and
/// last-changed events, the registrar entity's name and the status. 404 is a "not found" report. rdap.org answers with
/// a redirect to the registry's server, followed here (at most <see cref="MaxRedirects"/>) since the shared client does not;
/// a hop to another host than the base URL's passes the SSRF guard.
/// </summary>
public sealed class RdapAnalyzer(TimeProvider time) : IAnalyzer
{
    public const int DefaultSuspiciousAgeDays = 30;
    const int MaxRedirects = 3;
    static readonly MediaTypeWithQualityHeaderValue AcceptRdap = new("application/rdap+json");
    static readonly HttpStatusCode[] Redirects = [HttpStatusCode.MovedPermanently, HttpStatusCode.Found, HttpStatusCode.SeeOther, HttpStatusCode.TemporaryRedirect, HttpStatusCode.PermanentRedirect];

    public AnalyzerDefinition Definition { get; } = new("rdap", "RDAP domain registration (domain age, registrar, status)", ["domain", "fqdn"],
        [new ConfigItem("suspiciousAgeDays", $"A domain registered fewer days ago is suspicious (default {DefaultSuspiciousAgeDays})")],
        "https://rdap.org", Tlp.Green, Tlp.Green, AnalyzerCatalogue.Limit("10/min"), TimeSpan.FromDays(7), TimeSpan.FromSeconds(20));

    public async Task<AnalyzerResult> AnalyzeAsync(AnalyzerRun run, CancellationToken ct)
    {
        var threshold = run.Optional("suspiciousAgeDays") ?? DefaultSuspiciousAgeDays.ToString(CultureInfo.InvariantCulture);
        if (!int.TryParse(threshold, NumberStyles.None, CultureInfo.InvariantCulture, out var minDays) || minDays is < 0 or > 36500)
            throw new AnalyzerFailedException("the configuration item suspiciousAgeDays must be a whole number of days from 0 to 36500");
        var answer = await FetchAsync(run, run.Url($"domain/{Uri.EscapeDataString(run.Data.TrimEnd('.'))}"), ct);
        if (answer.Status == HttpStatusCode.NotFound)
            return new AnalyzerResult([new Taxonomy(Levels.Info, "RDAP", "registration", "not found")], answer.Json, []);
        if (answer.Json.ValueKind != JsonValueKind.Object || AnswerFields.Text(answer.Json, "objectClassName") != "domain")
            throw new AnalyzerFailedException("the answer is not an RDAP domain object (objectClassName \"domain\")");
        var taxonomies = new List<Taxonomy>();
        var events = AnswerFields.Items(answer.Json, "events")
            .Select(e => (Action: AnswerFields.Text(e, "eventAction"), Date: Date(AnswerFields.Text(e, "eventDate"))))
            .Where(e => e.Action is not null && e.Date is not null)
            .ToList();
        if (events.FirstOrDefault(e => e.Action == "registration").Date is { } registered)
        {
            var days = Math.Max(0, (int)(time.GetUtcNow() - registered).TotalDays);
            taxonomies.Add(new Taxonomy(days < minDays ? Levels.Suspicious : Levels.Info, "RDAP", "age", $"{days}d"));
        }
        foreach (var (action, predicate) in new[] { ("expiration", "expires"), ("last changed", "changed") })
            if (events.FirstOrDefault(e => e.Action == action).Date is { } date)
                taxonomies.Add(new Taxonomy(Levels.Info, "RDAP", predicate, date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
        if (Registrar(answer.Json) is { } registrar)
            taxonomies.Add(new Taxonomy(Levels.Info, "RDAP", "registrar", registrar));
        var status = AnswerFields.Items(answer.Json, "status").Where(s => s.ValueKind == JsonValueKind.String).Select(s => s.GetString()!).ToList();
        if (status.Count > 0)
            taxonomies.Add(new Taxonomy(Levels.Info, "RDAP", "status", string.Join(", ", status)));
        if (taxonomies.Count == 0)
            taxonomies.Add(new Taxonomy(Levels.Info, "RDAP", "registration", "no dates"));
        return new AnalyzerResult(taxonomies, answer.Json, []);
    }

    static async Task<ServiceAnswer> FetchAsync(AnalyzerRun run, Uri url, CancellationToken ct)
    {
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Accept.Add(AcceptRdap);
            request.Headers.Accept.Add(AnalyzerHttp.AcceptJson);
            // The base URL is the admin's choice; a redirect elsewhere is the answer's, so it passes the SSRF guard.
            var http = hop == 0 || SameOrigin(url, run.Url("")) ? run.Http : run.Fetch;
            var answer = await http.SendAsync(request, ct, [HttpStatusCode.NotFound, .. Redirects]);
            if (answer.Location is null)
                return answer;
            if (hop == MaxRedirects)
                throw new AnalyzerFailedException($"GET {url.GetLeftPart(UriPartial.Path)} redirected more than {MaxRedirects} times");
            var next = new Uri(url, answer.Location);
            if (next.Scheme is not ("http" or "https"))
                throw new AnalyzerFailedException($"GET {url.GetLeftPart(UriPartial.Path)} redirected to a {next.Scheme} URL; only http and https are followed");
            url = next;
        }
    }

    static bool SameOrigin(Uri a, Uri b) =>
        Uri.Compare(a, b, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

    static DateTimeOffset? Date(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d : null;

    /// <summary>The "fn" of the entity with role "registrar" (its jCard, RFC 7095: ["vcard", [[name, params, type, value], …]]).</summary>
    static string? Registrar(JsonElement domain)
    {
        foreach (var entity in AnswerFields.Items(domain, "entities"))
        {
            if (!AnswerFields.Items(entity, "roles").Any(r => r.ValueKind == JsonValueKind.String && r.GetString() == "registrar"))
                continue;
            if (entity.TryGetProperty("vcardArray", out var vcard) && vcard.ValueKind == JsonValueKind.Array && vcard.GetArrayLength() == 2 &&
                vcard[1].ValueKind == JsonValueKind.Array)
                foreach (var property in vcard[1].EnumerateArray())
                    if (property.ValueKind == JsonValueKind.Array && property.GetArrayLength() >= 4 &&
                        property[0].ValueKind == JsonValueKind.String && property[0].GetString() == "fn" && property[3].ValueKind == JsonValueKind.String)
                        return property[3].GetString();
            return AnswerFields.Text(entity, "handle");
        }
        return null;
    }
}
