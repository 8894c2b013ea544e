using Dapper;
using Quell.Detection;
using Quell.Detection.Sigma;
using Quell.Storage;
using Quell.Tests.Support;

namespace Quell.Tests.Detection;

/// <summary>The replay of stored correlation matches (decision 185), on rows written directly.</summary>
public sealed class SigmaCorrelationStateTests
{
    [Theory]
    [InlineData(Dialect.Sqlite)]
    [InlineData(Dialect.Postgres)]
    public async Task Rows_that_cannot_be_read_or_whose_rule_is_gone_are_skipped_and_the_rest_fill_the_window(Dialect dialect)
    {
        await using var store = await TestStore.CreateAsync(dialect);
        var catalog = SigmaCatalog.Build(SigmaRuleReader.Read(Sigma.SigmaTestRules.BruteForce("40000000-0000-0000-0000-000000000003"), "brute_force.yml"));
        var org = await store.Db.WriteAsync((c, tx) => c.ExecuteScalarAsync<long>("INSERT INTO organisations (name, created_at) VALUES ('o1', 0) RETURNING id", transaction: tx));
        var t0 = new DateTimeOffset(2026, 2, 1, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        await store.Db.WriteAsync((c, tx) => c.ExecuteAsync("""
            INSERT INTO sigma_correlation_events (org_id, rule_key, event_time, fields, evidence, created_at) VALUES
              (@org, 'failed_logon', @t0, '{"TargetUserName":"bob"}', 'one', 0),
              (@org, 'failed_logon', @t1, '{"TargetUserName":', 'cut short', 0),
              (@org, 'removed_rule', @t1, '{"TargetUserName":"bob"}', 'gone', 0),
              (@org, 'failed_logon', @t2, '{"TargetUserName":"bob"}', 'two', 0)
            """, new { org, t0, t1 = t0 + 60_000, t2 = t0 + 120_000 }, tx));
        var correlator = catalog.CreateCorrelator<SigmaEvidence>();

        Assert.Equal(2, await SigmaCorrelationState.ReplayAsync(store.Db, org, catalog, correlator, 100, CancellationToken.None));

        // The two readable failures are in bob's window: a third makes the brute-force correlation (three in five minutes).
        var matches = new List<SigmaCorrelationMatch<SigmaEvidence>>();
        var at = DateTimeOffset.FromUnixTimeMilliseconds(t0 + 180_000);
        correlator.Observe(catalog.Engine.Rules.Single(), at, f => f == "TargetUserName" ? "bob" : null, new SigmaEvidence(at, "three"), matches);
        Assert.Equal(["one", "two", "three"], Assert.Single(matches).Events.Select(e => e.Raw));
    }
}
