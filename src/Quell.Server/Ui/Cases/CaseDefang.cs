namespace Quell.Server.Ui.Cases;

/// <summary>
/// Observable values as the case page shows them: defanged, so a URL, domain, IP or address copied from the page or
/// clicked by accident goes nowhere (hxxp://, [.], [@]). Pure; the lead may fold it into a shared Defang later.
/// </summary>
public static class CaseDefang
{
    static readonly HashSet<string> Dotted = new(StringComparer.Ordinal) { "ip", "domain", "fqdn", "url", "mail", "hostname", "uri_path" };

    public static string Value(string dataType, string value)
    {
        if (!Dotted.Contains(dataType))
            return value;
        var v = value.Replace(".", "[.]", StringComparison.Ordinal).Replace("@", "[@]", StringComparison.Ordinal);
        if (dataType == "url" && v.StartsWith("http", StringComparison.OrdinalIgnoreCase))
            v = "hxxp" + v[4..];
        else if (dataType == "url" && v.StartsWith("ftp", StringComparison.OrdinalIgnoreCase))
            v = "fxp" + v[3..];
        return v.Replace("://", "[://]", StringComparison.Ordinal);
    }
}
