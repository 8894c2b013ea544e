using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Quell.Enrichment;
using Quell.Storage;
using Quell.Tests.Support;

namespace Quell.Tests.Enrichment;

/// <summary>A server whose geoip analyzer reads two .mmdb files in its own folder, written by the tests.</summary>
public sealed class GeoIpServer : EnrichmentServer
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("quell-geoip-").FullName;
    public string City => Path.Combine(Folder, "city.mmdb");
    public string Asn => Path.Combine(Folder, "asn.mmdb");

    public override Dialect Dialect => Dialect.Sqlite;

    protected override void Configure(WebApplicationBuilder builder)
    {
        base.Configure(builder);
        builder.Services.Configure<EnrichmentOptions>(o => o.GeoIp.Databases = [City, Asn]);
    }
}

/// <summary>
/// The geoip analyzer on MaxMind DB files written by MaxMind's own writer (Perl MaxMind::DB::Writer, Debian package
/// libmaxmind-db-writer-perl): country, city and AS; a country the organisation names is suspicious; a replaced file is
/// reopened; a file that is not a database fails the run with a reason.
/// </summary>
public sealed class GeoIpAnalyzerTests(GeoIpServer server) : IClassFixture<GeoIpServer>
{
    const string Writer = """
        use strict; use warnings;
        use MaxMind::DB::Writer::Tree;
        my ($file, $kind, $iso, $name) = @ARGV;
        my %types = (country => 'map', iso_code => 'utf8_string', names => 'map', en => 'utf8_string', city => 'map',
          autonomous_system_number => 'uint32', autonomous_system_organization => 'utf8_string');
        my $tree = MaxMind::DB::Writer::Tree->new(ip_version => 6, record_size => 24, database_type => "Quell-Test-$kind",
          languages => ['en'], description => { en => 'Quell test database' }, remove_reserved_networks => 0,
          map_key_type_callback => sub { $types{ $_[0] } });
        if ($kind eq 'City') {
          $tree->insert_network('203.0.113.0/24', { country => { iso_code => $iso, names => { en => $name } }, city => { names => { en => 'Amsterdam' } } });
          $tree->insert_network('2001:db8::/32', { country => { iso_code => 'DE', names => { en => 'Germany' } } });
        } else {
          $tree->insert_network('203.0.113.0/25', { autonomous_system_number => 64500, autonomous_system_organization => 'Example Hosting B.V.' });
        }
        open my $fh, '>:raw', "$file.tmp" or die "$file: $!"; $tree->write_tree($fh); close $fh; rename "$file.tmp", $file or die;
        """;

    async Task WriteAsync(params string[] args)
    {
        var script = Path.Combine(server.Folder, "write.pl");
        await File.WriteAllTextAsync(script, Writer);
        var start = new ProcessStartInfo("perl") { RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var perl = Process.Start(start)!;
        var error = await perl.StandardError.ReadToEndAsync();
        await perl.WaitForExitAsync();
        Assert.True(perl.ExitCode == 0, $"perl MaxMind::DB::Writer failed (apt-get install libmaxmind-db-writer-perl): {error}");
    }

    static Dictionary<string, (string Level, string Value)> Taxonomies(System.Text.Json.JsonElement report) =>
        report.GetProperty("taxonomies").EnumerateArray().ToDictionary(t => t.GetProperty("predicate").GetString()!,
            t => (t.GetProperty("level").GetString()!, t.GetProperty("value").GetString()!));

    [Fact]
    public async Task Country_city_and_as_are_read_a_named_country_is_suspicious_and_a_replaced_file_is_reopened()
    {
        await WriteAsync(server.City, "City", "NL", "Netherlands");
        await WriteAsync(server.Asn, "ASN");
        using var client = server.Client(await server.CreateOtherOrganisationKeyAsync());
        await client.ConfigureAsync("geoip", new { enabled = true, cacheTtl = "0s", config = new { suspiciousCountries = "kp, NL" } }).ExpectAsync(HttpStatusCode.OK);

        var report = await client.AnalyzeAsync(await client.ObservableAsync("ip", "203.0.113.7", tlp: "RED", pap: "RED"), "geoip");
        Assert.Equal("success", report.Status());
        var t = Taxonomies(report);
        Assert.Equal(("suspicious", "NL (Netherlands)"), t["country"]);
        Assert.Equal(("info", "Amsterdam"), t["city"]);
        Assert.Equal(("info", "AS64500 Example Hosting B.V."), t["asn"]);
        Assert.Equal("suspicious", report.Level());
        var found = report.GetProperty("full").GetProperty("found");
        Assert.Equal("203.0.113.0", found[0].GetProperty("network").GetString());
        Assert.Equal("Quell-Test-ASN", found[1].GetProperty("database").GetString());

        var v6 = await client.AnalyzeAsync(await client.ObservableAsync("ip", "2001:db8::1", tlp: "RED", pap: "RED"), "geoip");
        Assert.Equal(("info", "DE (Germany)"), Taxonomies(v6)["country"]);
        var outside = await client.AnalyzeAsync(await client.ObservableAsync("ip", "198.51.100.1", tlp: "RED", pap: "RED"), "geoip");
        Assert.Equal(("info", "not in the databases"), Taxonomies(outside)["location"]);

        // geoipupdate replaces the file; the next run reads the new one.
        await Task.Delay(20);
        await WriteAsync(server.City, "City", "BE", "Belgium");
        File.SetLastWriteTimeUtc(server.City, DateTime.UtcNow.AddSeconds(5));
        var again = await client.AnalyzeAsync(await client.ObservableAsync("ip", "203.0.113.8", tlp: "RED", pap: "RED"), "geoip");
        Assert.Equal(("info", "BE (Belgium)"), Taxonomies(again)["country"]);
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_fails_the_run_naming_it()
    {
        var broken = new GeoIpServer();
        await broken.InitializeAsync();
        try
        {
            await File.WriteAllTextAsync(broken.City, "<html>404 Not Found</html>");
            using var client = broken.Client();
            await client.ConfigureAsync("geoip", new { enabled = true }).ExpectAsync(HttpStatusCode.OK);
            var report = await client.AnalyzeAsync(await client.ObservableAsync("ip", "203.0.113.9", tlp: "RED", pap: "RED"), "geoip");
            Assert.Equal("failure", report.Status());
            Assert.Contains($"the GeoIP database {broken.City} is not a MaxMind DB file", report.Reason());
        }
        finally
        {
            await broken.DisposeAsync();
        }
    }
}
