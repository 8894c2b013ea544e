using System.Net;
using Quell.Observables;

namespace Quell.Enrichment.Analyzers;

/// <summary>
/// Where a URL leads: requests it and follows its redirects hop by hop (at most <see cref="MaxHops"/>) without reading a
/// body, through the SSRF-guarded client, since the URL is the attacker's choice. Phishing mail hides its landing page
/// behind shorteners and tracking redirects; the hops and the landing page become artifacts, so the other analyzers
/// can judge the real destination. Visiting the URL is an active step the attacker can see, hence PAP:GREEN at most.
/// </summary>
public sealed class UnshortenAnalyzer : IAnalyzer
{
    public const int MaxHops = 10;

    public AnalyzerDefinition Definition { get; } = new("unshorten", "Follows a URL's redirects to where it leads (shorteners, tracking links)", ["url"],
        [new ConfigItem("userAgent", "User-Agent to send (some redirectors answer browsers only); default Quell")],
        null, Tlp.Amber, Tlp.Green, RateLimit.None, TimeSpan.FromDays(1), TimeSpan.FromSeconds(30));

    public async Task<AnalyzerResult> AnalyzeAsync(AnalyzerRun run, CancellationToken ct)
    {
        if (!Uri.TryCreate(run.Data.Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            throw new AnalyzerFailedException("the value is not an absolute http or https URL");
        var chain = new List<(Uri Url, int Status)>();
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (run.Optional("userAgent") is { } agent)
                request.Headers.UserAgent.TryParseAdd(agent);
            var (status, location, _) = await run.Fetch.PeekAsync(request, ct);
            chain.Add((url, (int)status));
            if ((int)status is < 300 or >= 400 || location is null)
                break;
            if (chain.Count > MaxHops)
                throw new AnalyzerFailedException($"{run.Data} redirected more than {MaxHops} times");
            var next = new Uri(url, location);
            if (next.Scheme is not ("http" or "https"))
                throw new AnalyzerFailedException($"{url.GetLeftPart(UriPartial.Path)} redirected to a {next.Scheme} URL; only http and https are followed");
            url = next;
        }

        var final = chain[^1];
        var hops = chain.Count - 1;
        var taxonomies = new List<Taxonomy>
        {
            new(Levels.Info, "Unshorten", "hops", hops.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(Levels.Info, "Unshorten", "final", AnswerFields.Printable(final.Url.AbsoluteUri)),
        };
        if (final.Status >= 400)
            taxonomies.Add(new Taxonomy(Levels.Info, "Unshorten", "status", final.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var artifacts = new List<Artifact>();
        foreach (var (hop, status) in chain.Skip(1))
            artifacts.Add(new Artifact("url", hop.AbsoluteUri, $"redirect hop answering {status}"));
        if (hops > 0)
            artifacts.Add(IPAddress.TryParse(final.Url.IdnHost.Trim('[', ']'), out _)
                ? new Artifact("ip", final.Url.IdnHost.Trim('[', ']'), "host of the landing page")
                : new Artifact("domain", final.Url.IdnHost, "host of the landing page"));
        var full = System.Text.Json.JsonSerializer.SerializeToElement(new
        {
            chain = chain.Select(c => new { url = c.Url.AbsoluteUri, status = c.Status }),
            final = final.Url.AbsoluteUri,
        });
        return new AnalyzerResult(taxonomies, full, artifacts);
    }
}
