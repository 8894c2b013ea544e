using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Quell.Enrichment;
using Quell.Scoring;

namespace Quell.Tests.Scoring;

/// <summary>The model's numbers come from the <c>Scoring</c> section: bound, checked when the host starts, used by the scorer.</summary>
public sealed class ScoreModelSettingsTests
{
    static IHost Host(Dictionary<string, string?> settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddScoring();
        return builder.Build();
    }

    [Fact]
    public async Task A_bad_setting_stops_the_start_naming_each_bad_key()
    {
        using var host = Host(new()
        {
            ["Scoring:BaseRate"] = "1.5",
            ["Scoring:Weights:vmray"] = "-1",
            ["Scoring:MaliciousAt"] = "40",
            ["Scoring:Reliabilities:urlhaus"] = "1",
        });
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("Scoring:BaseRate must be a share between 0 and 1, exclusive (0.1 = 10 % malicious); 1.5 is not", e.Message);
        Assert.Contains("Scoring:Weights:vmray must be a weight between 0 and 10; -1 is not", e.Message);
        Assert.Contains("Scoring:MaliciousAt must be a score between Scoring:SuspiciousAt and 100; 40 is not", e.Message);
        Assert.Contains("Scoring:Reliabilities:urlhaus must be between 0 and 1, exclusive; 1 is not", e.Message);
    }

    [Fact]
    public async Task A_value_that_is_not_a_number_names_its_key()
    {
        using var host = Host(new() { ["Scoring:Safe"] = "very" });
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());
        Assert.Contains("Scoring:Safe", e.Message);
    }

    [Fact]
    public async Task The_scorer_uses_the_configured_prior_weights_reliabilities_and_thresholds()
    {
        using var host = Host(new()
        {
            ["Scoring:BaseRate"] = "0.2",
            ["Scoring:Weights:VirusTotal"] = "2",
            ["Scoring:Reliabilities:virustotal"] = "0.75",
            ["Scoring:MaliciousAt"] = "90",
        });
        await host.StartAsync();
        var scorer = host.Services.GetRequiredService<Scorer>();
        var s = scorer.Score(new ObservableEvidence { Id = 1, DataType = "url", Data = "http://x.example/", Items = [new Evidence("virustotal", Levels.Suspicious)] },
            new Dictionary<string, SourceRecord>());
        var c = Assert.Single(s.Contributions);
        Assert.Equal((2.0, 0.75, 3.0), (c.Weight, c.Reliability, c.Points)); // 2 × 2·0.75 × 1
        Assert.Equal(Math.Round(Math.Log(0.25) + 3, 2), s.LogOdds);
        Assert.Equal((83, ScoreVerdict.Suspicious), (s.Score, s.Verdict)); // malicious only from 90 here
        Assert.Equal(1.5, scorer.Model.WeightOf("vmray")); // defaults not named stay
        Assert.Equal(1.0, Scorer.Default.Model.WeightOf("virustotal"));
        await host.StopAsync();
    }

    [Fact]
    public void The_defaults_are_valid() => Assert.Empty(ScoreModelValidation.Errors(ScoreModel.Default));
}
