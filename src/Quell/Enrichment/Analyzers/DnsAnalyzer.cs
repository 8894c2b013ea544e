using System.Globalization;
using System.Net;
using System.Text.Json;
using DnsClient;
using DnsClient.Protocol;
using Quell.Observables;

namespace Quell.Enrichment.Analyzers;

/// <summary>
/// DNS resolution with DnsClient: A, AAAA, MX, TXT and NS of a domain, fqdn or hostname, PTR of an ip. The servers are
/// the <c>servers</c> item ("10.0.0.53, 127.0.0.1:5353"), else the system's resolvers. NXDOMAIN is an answer (level info,
/// "DNS:NXDOMAIN"); SERVFAIL, REFUSED and the like are failures naming the code; no answer in time is retried.
/// </summary>
public sealed class DnsAnalyzer : IAnalyzer
{
    static readonly QueryType[] ForwardTypes = [QueryType.A, QueryType.AAAA, QueryType.MX, QueryType.TXT, QueryType.NS];

    public AnalyzerDefinition Definition { get; } = new("dns", "DNS resolution (A, AAAA, MX, TXT, NS; PTR of addresses)", ["domain", "fqdn", "hostname", "ip"],
        [new ConfigItem("servers", "DNS servers, comma-separated host[:port] (default: the system's resolvers)")],
        null, Tlp.Amber, Tlp.Amber, RateLimit.None, TimeSpan.FromHours(1), TimeSpan.FromSeconds(10));

    public async Task<AnalyzerResult> AnalyzeAsync(AnalyzerRun run, CancellationToken ct)
    {
        var client = new LookupClient(Options(run.Optional("servers")));
        return run.DataType == "ip" ? await ReverseAsync(client, run.Data, ct) : await ForwardAsync(client, run.Data.TrimEnd('.'), ct);
    }

    static LookupClientOptions Options(string? servers)
    {
        var options = servers is null ? new LookupClientOptions() : new LookupClientOptions(ParseServers(servers));
        // The job's timeout bounds the whole run; each query gets a share of it, one retry, and no cache of DnsClient's own.
        options.Timeout = TimeSpan.FromSeconds(2);
        options.Retries = 1;
        options.UseCache = false;
        options.ThrowDnsErrors = false;
        options.ContinueOnDnsError = false;
        options.ContinueOnEmptyResponse = false;
        return options;
    }

    public static IPEndPoint[] ParseServers(string text)
    {
        var servers = new List<IPEndPoint>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (IPAddress.TryParse(part, out var address))
                servers.Add(new IPEndPoint(address, 53));
            else if (IPEndPoint.TryParse(part, out var endpoint))
                servers.Add(endpoint.Port == 0 ? new IPEndPoint(endpoint.Address, 53) : endpoint);
            else
                throw new AnalyzerFailedException($"the configuration item servers has '{part}', which is not an IP address with an optional port (e.g. 127.0.0.1:5353 or [::1]:53)");
        }
        return servers.Count > 0 ? servers.ToArray() : throw new AnalyzerFailedException("the configuration item servers names no server");
    }

    static async Task<AnalyzerResult> ForwardAsync(LookupClient client, string name, CancellationToken ct)
    {
        var records = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var artifacts = new List<Artifact>();
        foreach (var type in ForwardTypes)
        {
            var response = await QueryAsync(client, new DnsQuestion(name, type), ct);
            if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
                return NotFound(name);
            var values = new List<string>();
            foreach (var record in response.Answers)
                switch (record)
                {
                    case ARecord a when type == QueryType.A:
                        values.Add(a.Address.ToString());
                        artifacts.Add(new Artifact("ip", a.Address.ToString(), $"A of {name}"));
                        break;
                    case AaaaRecord aaaa when type == QueryType.AAAA:
                        values.Add(aaaa.Address.ToString());
                        artifacts.Add(new Artifact("ip", aaaa.Address.ToString(), $"AAAA of {name}"));
                        break;
                    case MxRecord mx:
                        values.Add($"{mx.Preference} {Host(mx.Exchange)}");
                        artifacts.Add(new Artifact("fqdn", Host(mx.Exchange), $"MX of {name}"));
                        break;
                    case TxtRecord txt:
                        values.Add(string.Concat(txt.Text));
                        break;
                    case NsRecord ns:
                        values.Add(Host(ns.NSDName));
                        break;
                }
            if (values.Count > 0)
                records[type.ToString()] = values;
        }
        var taxonomies = records.Select(r => new Taxonomy(Levels.Info, "DNS", r.Key, r.Value.Count.ToString(CultureInfo.InvariantCulture))).ToList();
        if (taxonomies.Count == 0)
            taxonomies.Add(new Taxonomy(Levels.Info, "DNS", "records", "0"));
        var full = JsonSerializer.SerializeToElement(new { name, rcode = "NOERROR", records }, AnalyzerReport.Json);
        return new AnalyzerResult(taxonomies, full, artifacts.DistinctBy(a => (a.DataType, a.Data)).ToList());
    }

    static async Task<AnalyzerResult> ReverseAsync(LookupClient client, string ip, CancellationToken ct)
    {
        if (!IPAddress.TryParse(ip, out var address))
            throw new AnalyzerFailedException($"'{ip}' is not an IP address");
        var question = new DnsQuestion(address.GetArpaName(), QueryType.PTR);
        var response = await QueryAsync(client, question, ct);
        if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
            return NotFound(question.QueryName.Value);
        var names = response.Answers.PtrRecords().Select(p => Host(p.PtrDomainName)).ToList();
        var full = JsonSerializer.SerializeToElement(new { name = question.QueryName.Value, rcode = "NOERROR", records = new { PTR = names } }, AnalyzerReport.Json);
        return new AnalyzerResult([new Taxonomy(Levels.Info, "DNS", "PTR", names.Count > 0 ? string.Join(", ", names) : "0")], full,
            names.Select(n => new Artifact("fqdn", n, $"PTR of {ip}")).ToList());
    }

    static async Task<IDnsQueryResponse> QueryAsync(LookupClient client, DnsQuestion question, CancellationToken ct)
    {
        IDnsQueryResponse response;
        try
        {
            response = await client.QueryAsync(question, ct);
        }
        catch (DnsResponseException e) when (e.Code == DnsResponseCode.ConnectionTimeout)
        {
            throw new AnalyzerTransientException($"{question.QuestionType} {question.QueryName}: no answer from the DNS server ({e.Message})", null, e);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new AnalyzerTransientException($"{question.QuestionType} {question.QueryName}: the DNS server could not be reached ({e.Message})", null, e);
        }
        catch (DnsResponseException e)
        {
            throw new AnalyzerFailedException($"{question.QuestionType} {question.QueryName}: {e.Message}", e);
        }
        var code = response.Header.ResponseCode;
        if (code is not (DnsHeaderResponseCode.NoError or DnsHeaderResponseCode.NotExistentDomain))
            throw new AnalyzerFailedException($"{question.QuestionType} {question.QueryName}: the DNS server {response.NameServer} answered {Rcode(code)}");
        return response;
    }

    static string Rcode(DnsHeaderResponseCode code) => code switch
    {
        DnsHeaderResponseCode.ServerFailure => "SERVFAIL",
        DnsHeaderResponseCode.Refused => "REFUSED",
        DnsHeaderResponseCode.FormatError => "FORMERR",
        DnsHeaderResponseCode.NotImplemented => "NOTIMP",
        _ => code.ToString(),
    };

    static string Host(DnsString name) => name.Value.TrimEnd('.');

    static AnalyzerResult NotFound(string name) =>
        new([new Taxonomy(Levels.Info, "DNS", "NXDOMAIN", name.TrimEnd('.'))], JsonSerializer.SerializeToElement(new { name, rcode = "NXDOMAIN" }, AnalyzerReport.Json), []);
}
