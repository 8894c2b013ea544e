using Quell.Intel.Export;
using Quell.Observables;

namespace Quell.Tests.Intel.Export;

/// <summary>Indicators of every shape the writers handle: each kind, composites, values with quotes and backslashes.</summary>
static class ExportSamples
{
    public static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    static readonly DateTimeOffset First = new(2026, 10, 1, 8, 30, 0, 123, TimeSpan.Zero);
    static readonly DateTimeOffset Last = new(2026, 11, 20, 17, 0, 0, TimeSpan.Zero);

    public const string Sha256 = "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f";

    public static IReadOnlyList<ExportIndicator> All { get; } =
    [
        new() { Type = "ip-dst", Value = "198.51.100.7", Tlp = Tlp.Green, Tags = ["tlp:green", "malware:emotet"], Comment = "C2 server", FirstSeen = First, LastSeen = Last, Score = 87.4, Sources = ["abuse.ch", "analyst"] },
        new() { Type = "ip-dst", Value = "2001:db8::/32", Tlp = Tlp.Red },
        new() { Type = "ip-src", Value = "203.0.113.9", Tlp = Tlp.AmberStrict },
        new() { Type = "ip-dst|port", Value = "203.0.113.10|8443" },
        new() { Type = "domain", Value = "evil.example", Tlp = Tlp.Amber, Comment = "it's \"bad\"" },
        new() { Type = "hostname", Value = "www.bad.example" },
        new() { Type = "domain|ip", Value = "c2.example|198.51.100.8" },
        new() { Type = "url", Value = "http://evil.example/login?u='a'&p=\\x" },
        new() { Type = "email", Value = "x@evil.example" },
        new() { Type = "email-src", Value = "boss@evil.example" },
        new() { Type = "email-subject", Value = "It's \"urgent\", \\ now" },
        new() { Type = "md5", Value = "cead3f77f6cda6ec00f57d76c9a6879f" },
        new() { Type = "sha1", Value = "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12" },
        new() { Type = "sha256", Value = Sha256, Tags = ["kill-chain:delivery"] },
        new() { Type = "filename|sha256", Value = "inv|oice.exe|" + Sha256 },
        new() { Type = "filename", Value = "C:\\Users\\x\\a.exe" },
        new() { Type = "x509-fingerprint-sha1", Value = "0123456789abcdef0123456789abcdef01234567" },
        new() { Type = "mac-address", Value = "00:11:22:33:44:55" },
        new() { Type = "AS", Value = "AS64496" },
        new() { Type = "regkey", Value = "HKLM\\Software\\Run\\evil" },
        new() { Type = "mutex", Value = "Global\\evil" },
        new() { Type = "user-agent", Value = "Evil/1.0 (compatible)" },
        new() { Type = "stix2-pattern", Value = "[process:name = 'evil.exe'] WITHIN 60 SECONDS" },
        new() { Type = "yara", Value = "rule evil { condition: true }" },
        new() { Type = "text", Value = "just a note" },
    ];
}
