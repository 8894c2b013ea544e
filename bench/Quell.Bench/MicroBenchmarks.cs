using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Quell.Alerts;
using Quell.Http;
using Quell.Observables;

namespace Quell.Bench;

/// <summary>The pure cores on the intake hot path: parsing and validating one posted alert, normalizing observable values.</summary>
[MemoryDiagnoser]
public class AlertInputBenchmarks
{
    /// <summary>A typical SIEM alert as integrations post it: TheHive's shape, three tags, five observables.</summary>
    public const string TypicalAlert = """
        {"type":"siem","source":"splunk","sourceRef":"notable-4f2a9c1e","title":"Suspicious login for j.doe from RU",
         "description":"Splunk rule 4012 fired on ws-fin-00412: 14 failed logins then a success from a new country.",
         "severity":3,"tlp":"AMBER","pap":"AMBER","tags":["brute-force","vpn","mitre:T1110"],"date":1767225600000,
         "observables":[
           {"dataType":"ip","data":"203.0.113.77","ioc":true,"tags":["src"]},
           {"dataType":"hostname","data":"WS-FIN-00412"},
           {"dataType":"mail","data":"J.Doe@Example.com"},
           {"dataType":"user-agent","data":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"},
           {"dataType":"hash","data":"9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"}]}
        """;

    JsonDocument _doc = null!;

    [GlobalSetup]
    public void Setup() => _doc = JsonDocument.Parse(TypicalAlert);

    [GlobalCleanup]
    public void Cleanup() => _doc.Dispose();

    [Benchmark(Description = "AlertInput.Parse (parsed document)")]
    public AlertInput? Parse() => AlertInput.Parse(_doc.RootElement, new InputErrors());

    [Benchmark(Description = "JsonDocument.Parse + AlertInput.Parse (as the endpoint does)")]
    public AlertInput? ParseFromBytes()
    {
        using var doc = JsonDocument.Parse(TypicalAlert);
        return AlertInput.Parse(doc.RootElement, new InputErrors());
    }
}

[MemoryDiagnoser]
public class ObservableNormalizeBenchmarks
{
    [Benchmark]
    public string? Ipv4() => ObservableTypes.Normalize("ip", " 203.0.113.77 ", out _);

    [Benchmark]
    public string? Ipv6() => ObservableTypes.Normalize("ip", "[2001:DB8:0:0:0:0:0:1]", out _);

    [Benchmark]
    public string? Domain() => ObservableTypes.Normalize("domain", "Login-Secure.Example.COM.", out _);

    [Benchmark]
    public string? Sha256() => ObservableTypes.Normalize("hash", "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08", out _);

    [Benchmark]
    public string? Url() => ObservableTypes.Normalize("url", "https://login-secure.example.com/verify?id=42", out _);
}
