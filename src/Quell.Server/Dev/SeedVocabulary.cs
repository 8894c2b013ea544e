using System.Globalization;

namespace Quell.Server.Dev;

/// <summary>
/// Word lists and weighted choices for synthetic data. Weights are skewed on purpose: real queues are dominated by a
/// few sources, low severities and a handful of tags, and the benchmarks must see that shape, not a uniform one.
/// </summary>
static class SeedVocabulary
{
    public sealed record SourceKind(string Source, string Type, int Weight, string RefPrefix, string[] ObservableTypes, string[] Titles);

    public static readonly SourceKind[] Sources =
    [
        new("splunk", "siem", 40, "notable-", ["ip", "ip", "hostname", "mail", "user-agent"],
            ["Brute force against {user}", "Suspicious login for {user} from {country}", "Impossible travel for {user}",
             "Privileged group change on {host}", "Multiple failed VPN logins for {user}"]),
        new("elastic", "siem", 20, "es-", ["ip", "hostname", "domain", "url", "user-agent"],
            ["Outbound connection to rare domain from {host}", "DNS tunnelling suspected on {host}",
             "Web shell access pattern on {host}", "Suspicious login for {user} from {country}"]),
        new("crowdstrike", "edr", 15, "ldt:", ["hostname", "hash", "filename", "ip", "domain"],
            ["Malware detected on {host}: {malware}", "Suspicious PowerShell on {host}", "Credential dumping on {host}",
             "Ransomware behaviour on {host}", "Persistence via scheduled task on {host}"]),
        new("sentinel", "siem", 10, "incident-", ["ip", "mail", "hostname", "url", "domain"],
            ["Mass download by {user}", "Mailbox forwarding rule created for {user}", "Risky sign-in for {user}",
             "Suspicious OAuth consent by {user}"]),
        new("suricata", "ids", 7, "sid-", ["ip", "ip", "domain", "url", "user-agent"],
            ["ET TROJAN {malware} checkin", "Port scan from external host", "ET POLICY TLS to rare domain",
             "ET EXPLOIT possible {cve} attempt"]),
        new("phish-report", "mail", 5, "msg-", ["mail", "mail-subject", "url", "domain", "hash"],
            ["Reported phishing: {subject}", "User reported suspicious mail: {subject}"]),
        new("misp", "intel", 3, "misp-", ["ip", "domain", "url", "hash", "fqdn"],
            ["IOC match: {malware} infrastructure", "Sighting of {malware} indicator"]),
    ];

    public static readonly string[] AlertTags =
    [
        "phishing", "malware", "brute-force", "mitre:T1566", "mitre:T1059", "mitre:T1078", "credential-access", "lateral-movement",
        "exfiltration", "ransomware", "c2", "vpn", "o365", "false-positive-candidate", "vip", "finance", "hr", "server", "workstation",
        "cloud", "tor", "scanner", "web", "dns", "persistence", "privilege-escalation", "initial-access", "mitre:T1110", "mitre:T1003",
        "emotet", "qakbot", "cobalt-strike", "impossible-travel", "mfa-fatigue", "external", "internal", "dlp", "usb", "policy", "test",
    ];

    public static readonly string[] CaseTags =
    [
        "incident", "phishing", "malware", "account-compromise", "ransomware", "data-leak", "policy-violation", "vip", "escalated",
        "legal", "gdpr", "mitre:T1566", "mitre:T1078", "cobalt-strike", "emotet", "insider", "third-party", "cloud", "lessons-learned",
    ];

    public static readonly string[] CaseTitles =
    [
        "Phishing campaign: {subject}", "Malware outbreak on {host}", "Compromised account {user}", "Ransomware on {host}",
        "Data exfiltration via {domain}", "Brute force against VPN", "Unusual downloads by {user}", "{malware} infection on {host}",
        "Business email compromise targeting {user}", "Web shell on {host}", "Credential phishing: {subject}", "Suspicious OAuth app for {user}",
    ];

    public static readonly (string Name, int Weight)[] CaseResolutions =
        [("false-positive", 45), ("true-positive", 25), ("benign", 20), ("duplicate", 7), ("indeterminate", 3)];

    public static readonly string[] Analysts =
        ["alice.martin", "bob.nguyen", "chloe.dubois", "david.kim", "emma.schmidt", "farid.haddad", "grace.okafor", "hugo.silva"];

    public static readonly string[] Words =
    [
        "secure", "login", "update", "account", "verify", "invoice", "payroll", "portal", "cloud", "office", "share", "drive", "bank",
        "support", "mail", "docs", "online", "service", "billing", "auth", "global", "net", "data", "track", "delivery", "hr", "sync",
        "files", "admin", "web", "shop", "pay", "id", "sso", "vpn", "cdn", "static", "api", "app", "notice",
    ];

    public static readonly string[] Tlds = ["com", "net", "org", "ru", "cn", "xyz", "top", "info", "io", "co", "biz", "online"];

    public static readonly string[] Malware =
        ["Emotet", "QakBot", "AgentTesla", "Cobalt Strike", "IcedID", "Remcos", "AsyncRAT", "LockBit", "RedLine", "Formbook"];

    public static readonly string[] Countries = ["RU", "CN", "NG", "BR", "US", "NL", "DE", "IR", "KP", "VN", "RO", "UA"];

    public static readonly string[] Cves = ["CVE-2023-4966", "CVE-2024-3400", "CVE-2021-44228", "CVE-2023-34362", "CVE-2024-21887"];

    public static readonly string[] Subjects =
    [
        "Your mailbox is full", "Invoice overdue", "Payroll update required", "Shared document: Q3 results", "Password expires today",
        "DHL delivery failed", "Action required: verify your account", "New voicemail", "Bonus payment details", "Urgent wire transfer",
    ];

    public static readonly string[] UserAgents =
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
        "python-requests/2.31.0", "curl/8.5.0", "Go-http-client/1.1", "Microsoft Office/16.0", "WindowsPowerShell/5.1",
        "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0", "okhttp/4.12.0", "Wget/1.21.4",
    ];

    public static readonly string[] FileExtensions = ["exe", "dll", "js", "vbs", "docm", "xlsm", "zip", "iso", "lnk", "ps1", "hta", "pdf"];

    /// <summary>A choice where item i has weight w[i].</summary>
    public static int Weighted(Random rng, ReadOnlySpan<int> weights)
    {
        var total = 0;
        foreach (var w in weights)
            total += w;
        var x = rng.Next(total);
        for (var i = 0; i < weights.Length; i++)
        {
            x -= weights[i];
            if (x < 0)
                return i;
        }
        return weights.Length - 1;
    }

    /// <summary>Zipf-like index in [0, n): index 0 is the most frequent, the tail is long.</summary>
    public static int Skewed(Random rng, int n) => (int)Math.Min(n - 1, Math.Floor(Math.Pow(n + 1, rng.NextDouble()) - 1));

    public static string Pick(Random rng, string[] items) => items[rng.Next(items.Length)];

    public static string Format(long n) => n.ToString(CultureInfo.InvariantCulture);
}
