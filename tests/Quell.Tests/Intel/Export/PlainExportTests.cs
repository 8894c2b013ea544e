using System.Text;
using Quell.Intel.Export;

namespace Quell.Tests.Intel.Export;

public class PlainExportTests
{
    static string Text(Action<Stream> write)
    {
        using var ms = new MemoryStream();
        write(ms);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>RFC 4180 reader for the round trip: quoted fields, doubled quotes, commas and line breaks inside quotes.</summary>
    static List<List<string>> ParseCsv(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { row.Add(field.ToString()); field.Clear(); }
            else if (c == '\n') { row.Add(field.ToString()); field.Clear(); rows.Add(row); row = []; }
            else field.Append(c);
        }
        return rows;
    }

    [Fact]
    public void Csv_round_trips_every_field()
    {
        var rows = ParseCsv(Text(s => CsvExportWriter.Write(s, ExportSamples.All)));
        Assert.Equal(CsvExportWriter.Columns, rows[0]);
        Assert.Equal(ExportSamples.All.Count + 1, rows.Count);
        var first = rows[1];
        Assert.Equal(
            [ExportSamples.All[0].Uuid.ToString(), "ip-dst", "Network activity", "198.51.100.7", "1", "tlp:green,malware:emotet", "GREEN", "C2 server",
             "2026-10-01T08:30:00Z", "2026-11-20T17:00:00Z", "87.4", "abuse.ch,analyst"],
            first);
        for (var n = 0; n < ExportSamples.All.Count; n++)
        {
            Assert.Equal(ExportSamples.All[n].Value, rows[n + 1][3]);
            Assert.Equal(ExportSamples.All[n].Comment ?? "", rows[n + 1][7]);
        }
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData(" padded", "\" padded\"")]
    public void Csv_fields_are_quoted_as_rfc_4180_says(string value, string field) => Assert.Equal(field, CsvExportWriter.Field(value));

    [Fact]
    public void Blocklists_hold_one_kind_each_sorted_and_unique_with_composite_parts()
    {
        var withDuplicate = ExportSamples.All.Append(new ExportIndicator { Type = "ip-src", Value = "198.51.100.7" }).ToList();
        Assert.Equal("198.51.100.7\n198.51.100.8\n2001:db8::/32\n203.0.113.10\n203.0.113.9\n", Text(s => BlocklistWriter.Write(s, withDuplicate, BlocklistKind.Ip)));
        Assert.Equal(["c2.example", "evil.example", "www.bad.example"], BlocklistWriter.Values(ExportSamples.All, BlocklistKind.Domain));
        Assert.Equal(["http://evil.example/login?u='a'&p=\\x"], BlocklistWriter.Values(ExportSamples.All, BlocklistKind.Url));
        Assert.Equal(["2fd4e1c67a2d28fced849ee1bb76e7391b93eb12", ExportSamples.Sha256, "cead3f77f6cda6ec00f57d76c9a6879f"], BlocklistWriter.Values(ExportSamples.All, BlocklistKind.Hash));
    }

    [Fact]
    public void Blocklist_kinds_are_parsed_by_name()
    {
        Assert.True(BlocklistWriter.TryParseKind("domain", out var kind));
        Assert.Equal(BlocklistKind.Domain, kind);
        Assert.False(BlocklistWriter.TryParseKind("firewall-rules", out _));
        Assert.False(BlocklistWriter.TryParseKind("7", out _));
    }

    [Fact]
    public void Rpz_zone_blocks_each_domain_and_its_subdomains()
    {
        var zone = Text(s => RpzZoneWriter.Write(s, ExportSamples.All, ExportSamples.Now));
        Assert.Equal(
            """
            $TTL 300
            @ IN SOA localhost. hostmaster.localhost. 1795867200 3600 600 604800 300
            @ IN NS localhost.
            c2.example CNAME .
            *.c2.example CNAME .
            evil.example CNAME .
            *.evil.example CNAME .
            www.bad.example CNAME .
            *.www.bad.example CNAME .

            """.ReplaceLineEndings("\n"),
            zone);
    }

    [Fact]
    public void Rpz_zone_can_block_answers_in_listed_address_blocks()
    {
        var zone = Text(s => RpzZoneWriter.Write(s, ExportSamples.All, ExportSamples.Now, includeIps: true));
        Assert.Contains("32.7.100.51.198.rpz-ip CNAME .\n", zone, StringComparison.Ordinal);
        Assert.Contains("32.zz.db8.2001.rpz-ip CNAME .\n", zone, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("192.0.2.0/24", "24.0.2.0.192.rpz-ip")]
    [InlineData("2001:db8::1", "128.1.zz.db8.2001.rpz-ip")]
    [InlineData("2001:db8:0:1::/64", "64.zz.1.0.db8.2001.rpz-ip")]
    [InlineData("::/0", "0.zz.rpz-ip")]
    public void Rpz_ip_owner_names_follow_the_rpz_draft(string value, string owner) => Assert.Equal(owner, RpzZoneWriter.RpzIp(value));

    [Fact]
    public void Rpz_names_escape_characters_that_are_special_in_zone_files() =>
        Assert.Equal("a\\059b.ex\\040\\041ample.com", RpzZoneWriter.Escape("a;b.ex()ample.com"));
}
