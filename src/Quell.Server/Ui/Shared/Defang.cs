using System.Text.RegularExpressions;

namespace Quell.Server.Ui.Shared;

/// <summary>
/// Observable values as analysts expect to see indicators: readable, copyable into a report, and dead. A phishing URL
/// pasted from the page into a browser, a chat or a ticket must not resolve or become a link on its own, so schemes
/// are mangled (http→hxxp, https→hxxps, ftp→fxp), dots of host names and IPv4 addresses become [.] and the @ of an
/// e-mail address becomes [@]. IPv6 addresses stay as they are (nothing turns them into links). Pure and idempotent:
/// a value defanged twice reads the same as once.
/// </summary>
public static partial class Defang
{
    /// <summary>The value for display, by observable data type (null or unknown types: URLs and addresses inside text).</summary>
    public static string Value(string value, string? dataType = null) => dataType switch
    {
        "ip" => Ip(value),
        "domain" or "fqdn" or "hostname" => Host(value),
        "mail" => Mail(value),
        "url" => Url(value),
        _ => Text(value),
    };

    /// <summary>IPv4 dots become [.]; anything with a colon (IPv6) is left as is.</summary>
    public static string Ip(string ip) => ip.Contains(':') ? ip : Dots(ip);

    public static string Host(string host) =>
        host.StartsWith('[') ? host : Dots(host);

    public static string Mail(string mail)
    {
        var defanged = mail.LastIndexOf("[@]", StringComparison.Ordinal);
        if (defanged >= 0)
            return mail[..defanged] + "[@]" + Host(mail[(defanged + 3)..]);
        var at = mail.LastIndexOf('@');
        if (at < 0)
            return Text(mail);
        return mail[..at].Replace("@", "[@]") + "[@]" + Host(mail[(at + 1)..]);
    }

    /// <summary>
    /// scheme://userinfo@host:port/rest: the scheme mangled, the host's dots defanged, the rest kept (dots in a path
    /// do not make a link). A value without "://" (evil.example/login, javascript:alert(1)) is defanged as text.
    /// </summary>
    public static string Url(string url)
    {
        var m = UrlPattern().Match(url);
        if (!m.Success)
            return Text(url);
        var userinfo = m.Groups["userinfo"].Value;
        var rest = m.Groups["rest"].Value;
        return Scheme(m.Groups["scheme"].Value) + "://" + userinfo.Replace("@", "[@]") + Host(m.Groups["host"].Value) + rest;
    }

    /// <summary>Free text (mail subjects, file names, other): URLs and e-mail addresses inside it are defanged.</summary>
    public static string Text(string text)
    {
        var s = EmbeddedUrl().Replace(text, m => Url(m.Value));
        s = EmbeddedMail().Replace(s, m => Mail(m.Value));
        // A bare host at the start of a scheme-less URL ("evil.example/login") is still a link in many chat tools.
        return BareHostPath().Replace(s, m => Dots(m.Groups["host"].Value) + m.Groups["path"].Value);
    }

    static string Scheme(string scheme) => scheme.ToLowerInvariant() switch
    {
        "http" => "hxxp",
        "https" => "hxxps",
        "ftp" => "fxp",
        _ => scheme,
    };

    static string Dots(string s) => LiveDot().Replace(s, "[.]");

    /// <summary>A dot not already inside "[.]".</summary>
    [GeneratedRegex(@"(?<!\[)\.(?!\])")]
    private static partial Regex LiveDot();

    [GeneratedRegex(@"^(?<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://(?<userinfo>[^@/?#\s]*@)?(?<host>\[[^\]]*\]|[^/?#:\s]*)(?<rest>.*)$", RegexOptions.Singleline)]
    private static partial Regex UrlPattern();

    [GeneratedRegex(@"\b(?:https?|ftp|hxxps?|fxp)://[^\s<>""']+", RegexOptions.IgnoreCase)]
    private static partial Regex EmbeddedUrl();

    [GeneratedRegex(@"[^\s@<>""'\[\]]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")]
    private static partial Regex EmbeddedMail();

    [GeneratedRegex(@"^(?<host>[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})(?<path>[/?#].*)$", RegexOptions.Singleline)]
    private static partial Regex BareHostPath();
}
