using System.Collections;
using System.Net;
using System.Text.Json.Nodes;
using MaxMind.Db;
using Microsoft.Extensions.Options;
using Quell.Observables;

namespace Quell.Enrichment.Analyzers;

/// <summary>
/// Country, city and autonomous system of an address from MaxMind DB files (.mmdb: GeoLite2/GeoIP2 City, Country, ASN,
/// or any database in that format). The files are the server's (<c>Enrichment:GeoIp:Databases</c>), not an
/// organisation's setting, so an organisation admin cannot make the server open a path of their choosing. A file
/// replaced on disk (a weekly geoipupdate) is reopened on the next run. An organisation may name countries it finds
/// suspicious (<c>suspiciousCountries</c>, ISO codes); everything else is info.
/// </summary>
public sealed class GeoIpAnalyzer(IOptions<EnrichmentOptions> options) : IAnalyzer, IDisposable
{
    readonly Lock _lock = new();
    readonly Dictionary<string, (DateTime Written, Reader Reader)> _open = new(StringComparer.Ordinal);

    public AnalyzerDefinition Definition { get; } = new("geoip", "GeoIP and ASN from MaxMind .mmdb files (Enrichment:GeoIp:Databases)", ["ip"],
        [new ConfigItem("suspiciousCountries", "ISO country codes that make an address suspicious, comma-separated (e.g. \"KP, IR\")")],
        null, Tlp.Red, Tlp.Red, RateLimit.None, TimeSpan.FromDays(7), TimeSpan.FromSeconds(5));

    public Task<AnalyzerResult> AnalyzeAsync(AnalyzerRun run, CancellationToken ct)
    {
        var paths = options.Value.GeoIp.Databases;
        if (paths.Count == 0)
            throw new AnalyzerFailedException("no database is configured; the server's admin sets Enrichment:GeoIp:Databases to the .mmdb files (GeoLite2-City.mmdb, GeoLite2-ASN.mmdb)");
        if (!IPAddress.TryParse(run.Data, out var address))
            throw new AnalyzerFailedException("the value is not an IP address");
        var suspicious = (run.Optional("suspiciousCountries") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(c => c.ToUpperInvariant()).ToHashSet(StringComparer.Ordinal);

        var taxonomies = new List<Taxonomy>();
        var found = new JsonArray();
        foreach (var path in paths)
        {
            var reader = Open(path);
            var record = reader.Find<Dictionary<string, object>>(address, out var prefix);
            if (record is null)
                continue;
            found.Add(new JsonObject
            {
                ["database"] = reader.Metadata.DatabaseType,
                ["network"] = $"{Network(address, prefix)}",
                ["record"] = Node(record),
            });
            if (Map(record, "country") is { } country && Text(country, "iso_code") is { } iso)
            {
                var name = Map(country, "names") is { } names ? Text(names, "en") : null;
                taxonomies.Add(new Taxonomy(suspicious.Contains(iso) ? Levels.Suspicious : Levels.Info, "GeoIP", "country", name is null ? iso : $"{iso} ({name})"));
            }
            if (Map(record, "city") is { } city && Map(city, "names") is { } cityNames && Text(cityNames, "en") is { } cityName)
                taxonomies.Add(new Taxonomy(Levels.Info, "GeoIP", "city", cityName));
            if (record.TryGetValue("autonomous_system_number", out var asn))
                taxonomies.Add(new Taxonomy(Levels.Info, "GeoIP", "asn",
                    $"AS{asn}" + (Text(record, "autonomous_system_organization") is { } org ? $" {org}" : "")));
        }
        if (taxonomies.Count == 0)
            taxonomies.Add(new Taxonomy(Levels.Info, "GeoIP", "location", "not in the databases"));
        return Task.FromResult(new AnalyzerResult(taxonomies, System.Text.Json.JsonSerializer.SerializeToElement(new JsonObject { ["found"] = found }), []));
    }

    /// <summary>The reader of <paramref name="path"/>, reopened when the file was replaced since it was opened.</summary>
    Reader Open(string path)
    {
        DateTime written;
        try
        {
            written = File.GetLastWriteTimeUtc(path);
            if (!File.Exists(path))
                throw new FileNotFoundException(null, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AnalyzerFailedException($"the GeoIP database {path} cannot be read: {e.Message}");
        }
        lock (_lock)
        {
            if (_open.TryGetValue(path, out var o) && o.Written == written)
                return o.Reader;
            try
            {
                var reader = new Reader(path, FileAccessMode.Memory);
                if (_open.Remove(path, out var old))
                    old.Reader.Dispose();
                _open[path] = (written, reader);
                return reader;
            }
            catch (Exception e) when (e is InvalidDatabaseException or IOException or UnauthorizedAccessException)
            {
                throw new AnalyzerFailedException($"the GeoIP database {path} is not a MaxMind DB file: {e.Message}");
            }
        }
    }

    static IPAddress Network(IPAddress address, int prefix)
    {
        // An IPv4 address in an IPv6 database is found under ::/96, so its prefix counts those 96 bits.
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && prefix > 32)
            prefix -= 96;
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length * 8; i++)
            if (i >= prefix)
                bytes[i / 8] &= (byte)~(0x80 >> (i % 8));
        return new IPAddress(bytes);
    }

    static Dictionary<string, object>? Map(Dictionary<string, object> d, string key) =>
        d.TryGetValue(key, out var v) ? v as Dictionary<string, object> : null;

    static string? Text(Dictionary<string, object> d, string key) => d.TryGetValue(key, out var v) ? v as string : null;

    /// <summary>A decoded record as JSON (maps, arrays, strings, numbers, booleans; big integers as text).</summary>
    static JsonNode? Node(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int or long or uint or ushort or double or float => JsonValue.Create(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture)),
        ulong u => JsonValue.Create(u),
        IDictionary<string, object> map => new JsonObject(map.Select(kv => KeyValuePair.Create(kv.Key, Node(kv.Value)))),
        byte[] bytes => JsonValue.Create(Convert.ToHexString(bytes)),
        IEnumerable list => new JsonArray(list.Cast<object?>().Select(Node).ToArray()),
        _ => JsonValue.Create(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)),
    };

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var (_, r) in _open.Values)
                r.Dispose();
            _open.Clear();
        }
    }
}
