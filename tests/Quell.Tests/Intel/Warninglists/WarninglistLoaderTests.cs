using System.Text;
using Quell.Intel.Warninglists;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Warninglists;

public sealed class WarninglistLoaderTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("quell-wl-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    void Write(string folder, string json)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "lists", folder));
        File.WriteAllText(Path.Combine(_dir, "lists", folder, "list.json"), json, Encoding.UTF8);
    }

    [Fact]
    public void All_fourteen_shared_lists_load_with_their_entry_counts()
    {
        var report = SharedLists.Loaded;
        Assert.Empty(report.Skipped);
        var loaded = report.Loaded.ToDictionary(l => Path.GetFileName(Path.GetDirectoryName(l.List.Path))!, l => l.Matcher.Count);
        Assert.Equal(14, loaded.Count);
        Assert.Equal(62745, loaded["public-dns-v4"]);
        Assert.Equal(10000, loaded["tranco10k"]);
        Assert.Equal(8201, loaded["disposable-email"]);
        Assert.Equal(3, loaded["rfc1918"]);
        Assert.Equal(1, loaded["ipv6-linklocal"]);
        Assert.Equal(6, loaded["empty-hashes"]);
    }

    [Fact]
    public void Lists_keep_name_type_version_and_matching_attributes()
    {
        var tranco = SharedLists.Loaded.Loaded.Single(l => l.List.Name == "Top 10K most-used sites from Tranco").List;
        Assert.Equal(WarninglistType.Hostname, tranco.Type);
        Assert.Equal(20250115, tranco.Version);
        Assert.Equal(["hostname", "domain", "url", "domain|ip"], tranco.MatchingAttributes);
        Assert.EndsWith(Path.Combine("tranco10k", "list.json"), tranco.Path);
    }

    [Fact]
    public void Broken_lists_are_reported_with_path_and_reason_and_the_others_load()
    {
        Write("good", """{"name":"good","description":"d","version":1,"type":"string","list":["x"]}""");
        Write("bad-json", """{"name":"bad","list":["x" """);
        Write("unknown-type", """{"name":"u","description":"d","version":1,"type":"glob","list":["x"]}""");
        Write("bad-cidr", """{"name":"c","description":"d","version":1,"type":"cidr","list":["10.0.0.0/8","10.0.0.0/33"]}""");
        Write("bad-regex", """{"name":"r","description":"d","version":1,"type":"regex","list":["/(unclosed/"]}""");
        Write("no-list", """{"name":"n","description":"d","version":1,"type":"string"}""");
        Write("z-duplicate", """{"name":"good","description":"d","version":1,"type":"string","list":["y"]}""");
        Write("control-chars", "{\"name\":\"t\",\"description\":\"d\",\"version\":1,\"type\":\"ev\\u0007il\",\"list\":[\"x\"]}");

        var report = WarninglistLoader.Load(_dir);

        Assert.Equal(["good"], report.Loaded.Select(l => l.List.Name));
        var reasons = report.Skipped.ToDictionary(p => Path.GetFileName(Path.GetDirectoryName(p.Path))!, p => p.Reason);
        Assert.Equal(7, reasons.Count);
        Assert.StartsWith("not valid JSON", reasons["bad-json"]);
        Assert.Contains("unknown type 'glob'", reasons["unknown-type"]);
        Assert.Contains("entry 1 '10.0.0.0/33' is not an IPv4 or IPv6 address or CIDR block", reasons["bad-cidr"]);
        Assert.Contains("entry 0 '/(unclosed/'", reasons["bad-regex"]);
        Assert.Contains("\"list\" is missing", reasons["no-list"]);
        Assert.Contains("already loaded from", reasons["z-duplicate"]);
        Assert.Contains("ev\\u0007il", reasons["control-chars"]);
    }

    [Fact]
    public void Missing_version_and_type_read_as_MISP_defaults_and_a_list_object_by_its_keys()
    {
        Write("defaults", """{"name":"defaults","description":"d","list":{"evil.example":"a comment"}}""");
        var list = Assert.Single(WarninglistLoader.Load(_dir).Loaded).List;
        Assert.Equal(1, list.Version);
        Assert.Equal(WarninglistType.String, list.Type);
        Assert.Equal(["evil.example"], list.Entries);
        Assert.Empty(list.MatchingAttributes);
    }

    [Fact]
    public void The_lists_folder_itself_can_be_given()
    {
        Write("good", """{"name":"good","description":"d","version":1,"type":"string","list":["x"]}""");
        Assert.Single(WarninglistLoader.Load(Path.Combine(_dir, "lists")).Loaded);
    }

    [Fact]
    public void A_missing_directory_fails_with_a_message_naming_it()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => WarninglistLoader.Load(Path.Combine(_dir, "nope")));
        Assert.Contains(Path.Combine(_dir, "nope"), e.Message);
    }

    [Fact]
    public void Too_deep_json_is_refused()
    {
        var deep = "{\"name\":\"deep\",\"list\":[\"x\"],\"extra\":" + new string('[', 20) + new string(']', 20) + "}";
        Assert.Null(WarninglistParser.Parse(Encoding.UTF8.GetBytes(deep), null, out var error));
        Assert.StartsWith("not valid JSON", error);
    }

    [Fact]
    public void Shared_schema_lists_the_five_types_the_parser_knows()
    {
        var schema = File.ReadAllText(TestData.Shared("warninglists", "schema.json"));
        foreach (var type in Enum.GetNames<WarninglistType>())
            Assert.Contains($"\"{type.ToLowerInvariant()}\"", schema);
    }
}
