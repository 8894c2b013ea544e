using System.Net;
using System.Text.Json;
using Dapper;
using Quell.Audit;
using Quell.Tests.Support;

namespace Quell.Tests.Audit;

/// <summary>
/// The hash chain holds after many (also concurrent) writes and notices a row edited or removed behind the API's back.
/// Tampering tests put the row back afterwards so the fixture's chain stays valid for the other tests.
/// </summary>
public abstract class AuditChainTests(TestServer server)
{
    async Task<JsonElement> VerifyAsync()
    {
        using var admin = server.Client();
        return await admin.GetAsync("/api/v1/audit/verify").ExpectAsync(HttpStatusCode.OK);
    }

    async Task WriteManyAsync(int alerts)
    {
        using var admin = server.Client();
        // Concurrent requests: on PostgreSQL they append to the chain from several transactions at once.
        var prefix = Guid.NewGuid().ToString("N");
        await Parallel.ForEachAsync(Enumerable.Range(0, alerts), new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (i, _) =>
        {
            var body = $$"""{"type":"t","source":"chain","sourceRef":"{{prefix}}-{{i % (alerts / 2)}}","title":"chain {{i}}","observables":[{"dataType":"other","data":"v{{i}}"}]}""";
            var response = await admin.PostJsonAsync("/api/v1/alerts", body);
            Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        });
    }

    async Task<AuditRow> MiddleRowAsync() =>
        await server.Db.ReadAsync(async c =>
        {
            var ids = (await c.QueryAsync<long>("SELECT id FROM audit_log ORDER BY id")).AsList();
            return await c.QuerySingleAsync<AuditRow>($"SELECT {AuditRow.Columns} FROM audit_log WHERE id = @id", new { id = ids[ids.Count / 2] });
        });

    [Fact]
    public async Task The_chain_is_valid_after_many_concurrent_writes()
    {
        await WriteManyAsync(120);
        var result = await VerifyAsync();
        Assert.True(result.GetProperty("valid").GetBoolean(), result.ToString());
        var count = await server.Db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log"));
        Assert.Equal(count, result.GetProperty("checked").GetInt64());
        Assert.Equal(JsonValueKind.Null, result.GetProperty("firstBrokenId").ValueKind);
    }

    [Fact]
    public async Task Editing_one_row_in_the_database_breaks_the_chain_at_that_row()
    {
        await WriteManyAsync(20);
        var row = await MiddleRowAsync();
        await server.Db.WriteAsync((c, tx) => c.ExecuteAsync("UPDATE audit_log SET after_json = @json WHERE id = @id", new { json = """{"title":"nothing happened"}""", id = row.Id }, tx));
        try
        {
            var result = await VerifyAsync();
            Assert.False(result.GetProperty("valid").GetBoolean(), result.ToString());
            Assert.Equal(row.Id, result.GetProperty("firstBrokenId").GetInt64());
            Assert.Contains("modified", result.GetProperty("reason").GetString());
        }
        finally
        {
            await server.Db.WriteAsync((c, tx) => c.ExecuteAsync("UPDATE audit_log SET after_json = @AfterJson WHERE id = @Id", row, tx));
        }
        Assert.True((await VerifyAsync()).GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task Editing_a_row_and_recomputing_its_hash_is_still_detected_at_the_next_row()
    {
        await WriteManyAsync(20);
        var row = await MiddleRowAsync();
        var forged = new AuditRow
        {
            Id = row.Id,
            At = row.At,
            OrgId = row.OrgId,
            Actor = "someone else",
            Action = row.Action,
            EntityType = row.EntityType,
            EntityId = row.EntityId,
            BeforeJson = row.BeforeJson,
            AfterJson = row.AfterJson,
            PrevHash = row.PrevHash,
        };
        forged.Hash = AuditLog.ComputeHash(forged);
        await server.Db.WriteAsync((c, tx) => c.ExecuteAsync("UPDATE audit_log SET actor = @Actor, hash = @Hash WHERE id = @Id", forged, tx));
        try
        {
            var result = await VerifyAsync();
            Assert.False(result.GetProperty("valid").GetBoolean(), result.ToString());
            var next = await server.Db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT MIN(id) FROM audit_log WHERE id > @id", new { id = row.Id }));
            Assert.Equal(next, result.GetProperty("firstBrokenId").GetInt64());
        }
        finally
        {
            await server.Db.WriteAsync((c, tx) => c.ExecuteAsync("UPDATE audit_log SET actor = @Actor, hash = @Hash WHERE id = @Id", row, tx));
        }
        Assert.True((await VerifyAsync()).GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task Deleting_a_row_in_the_database_breaks_the_chain_at_the_row_after_it()
    {
        await WriteManyAsync(20);
        var row = await MiddleRowAsync();
        await server.Db.WriteAsync((c, tx) => c.ExecuteAsync("DELETE FROM audit_log WHERE id = @Id", row, tx));
        try
        {
            var result = await VerifyAsync();
            Assert.False(result.GetProperty("valid").GetBoolean(), result.ToString());
            var next = await server.Db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT MIN(id) FROM audit_log WHERE id > @id", new { id = row.Id }));
            Assert.Equal(next, result.GetProperty("firstBrokenId").GetInt64());
            Assert.Contains("removed", result.GetProperty("reason").GetString());
        }
        finally
        {
            await server.Db.WriteAsync((c, tx) => c.ExecuteAsync("""
                INSERT INTO audit_log (id, at, org_id, actor, action, entity_type, entity_id, before_json, after_json, prev_hash, hash)
                VALUES (@Id, @At, @OrgId, @Actor, @Action, @EntityType, @EntityId, @BeforeJson, @AfterJson, @PrevHash, @Hash)
                """, row, tx));
        }
        Assert.True((await VerifyAsync()).GetProperty("valid").GetBoolean());
    }
}

public sealed class AuditChainTestsOnSqlite(SqliteServer server) : AuditChainTests(server), IClassFixture<SqliteServer>;

public sealed class AuditChainTestsOnPostgres(PostgresServer server) : AuditChainTests(server), IClassFixture<PostgresServer>;
