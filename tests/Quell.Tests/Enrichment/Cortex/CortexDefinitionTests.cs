using Quell.Enrichment.Cortex;
using Quell.Observables;

namespace Quell.Tests.Enrichment.Cortex;

/// <summary>Flavour definitions, configuration items and secrets, without a server.</summary>
public sealed class CortexDefinitionTests
{
    [Theory]
    [InlineData("key", true)]
    [InlineData("api_key", true)]
    [InlineData("apiKey", true)]
    [InlineData("apikey", true)]
    [InlineData("password", true)]
    [InlineData("client_secret", true)]
    [InlineData("auth_token", true)]
    [InlineData("passphrase", true)]
    [InlineData("username", false)]
    [InlineData("url", false)]
    [InlineData("keyword", false)]
    [InlineData("days", false)]
    public void Secret_items_are_told_by_their_name(string name, bool secret) => Assert.Equal(secret, CortexConfig.LooksSecret(name));

    [Fact]
    public void Stored_items_become_the_json_their_type_says()
    {
        Assert.Equal("25", CortexConfig.Convert("n", "number", false, "25", out _)!.ToJsonString());
        Assert.Equal("0.5", CortexConfig.Convert("n", "number", false, "0.5", out _)!.ToJsonString());
        Assert.Equal("true", CortexConfig.Convert("b", "boolean", false, "True", out _)!.ToJsonString());
        Assert.Equal("[\"a\",\"b\"]", CortexConfig.Convert("s", "string", true, "a, b", out _)!.ToJsonString());
        Assert.Equal("[1,2]", CortexConfig.Convert("s", "number", true, "[1, \"2\"]", out _)!.ToJsonString());
        Assert.Null(CortexConfig.Convert("n", "number", false, "many", out var reason));
        Assert.Equal("'many' is not a number", reason);
    }

    [Fact]
    public void Abuse_finder_without_check_tlp_takes_any_tlp_and_its_command_resolves_against_the_analyzers_folder()
    {
        var root = Directory.CreateTempSubdirectory("quell-cortex-def-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "analyzers", "Abuse_Finder"));
            File.WriteAllText(Path.Combine(root, "analyzers", "Abuse_Finder", "abusefinder.py"), "#!/usr/bin/env python3\n");
            // analyzers/Abuse_Finder/Abuse_Finder.json as published in TheHive-Project/Cortex-Analyzers
            File.WriteAllText(Path.Combine(root, "analyzers", "Abuse_Finder", "Abuse_Finder.json"), """
                {
                    "name": "Abuse_Finder",
                    "version": "2.0",
                    "author": "CERT-BDF",
                    "url": "https://github.com/CERT-BDF/Cortex-Analyzers",
                    "license": "AGPL-V3",
                    "baseConfig": "Abuse_Finder",
                    "config": {
                      "check_tlp": false,
                      "max_tlp":3,
                      "service":""
                    },
                    "description": "Find abuse contacts associated with domain names, URLs, IPs and email addresses",
                    "dataTypeList": ["ip", "domain", "url", "mail"],
                    "command": "Abuse_Finder/abusefinder.py"
                }
                """);

            var loaded = CortexDefinitions.Load([root]);

            Assert.Empty(loaded.Problems);
            var f = Assert.Single(loaded.Flavors);
            Assert.Equal(("cortex:Abuse_Finder", CortexKind.Analyzer, Tlp.Red), (f.QuellName, f.Kind, f.MaxTlp));
            Assert.Equal(Path.Combine(root, "analyzers", "Abuse_Finder", "abusefinder.py"), f.Command);
            Assert.Equal(Path.Combine(root, "analyzers"), f.WorkingDirectory);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void A_missing_directory_and_a_duplicate_name_are_problems_and_the_rest_loads()
    {
        var root = CortexWorkers.Write();
        try
        {
            File.WriteAllText(Path.Combine(root, "analyzers", "Fake", "Fake_Zcopy.json"), CortexWorkers.FakeJson);

            var loaded = CortexDefinitions.Load([root, Path.Combine(root, "nowhere")]);

            Assert.Contains(loaded.Problems, p => p.File.EndsWith("Fake_Zcopy.json", StringComparison.Ordinal) && p.Reason.StartsWith("the name Fake_Lookup is already defined by", StringComparison.Ordinal));
            Assert.Contains(loaded.Problems, p => p.File.EndsWith("nowhere", StringComparison.Ordinal) && p.Reason == "the directory does not exist");
            Assert.Equal(["AbuseIPDB", "Fake_Lookup", "Shell_Check", "Act", "Notify_Team"], loaded.Flavors.Select(f => f.Name));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
