using System.Text.RegularExpressions;
using Dapper;
using Quell.Identity;
using Quell.Server;
using Quell.Server.Cli;
using Quell.Server.Cli.Admin;
using Quell.Tests.Support;

namespace Quell.Tests.Cli;

/// <summary>`quell user add`, `quell apikey create` and `quell audit verify` on a store opened directly.</summary>
public abstract partial class AdminVerbTests(StoreFixture store)
{
    static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..10];

    [GeneratedRegex(@"password: (\S+)")]
    private static partial Regex PrintedPassword();

    [Fact]
    public async Task Adding_a_user_without_a_password_prints_one_that_signs_in_and_audits_as_cli()
    {
        var username = Unique("alice");
        var terminal = new TestTerminal();

        var code = await new UserVerbs(terminal.Terminal, store.Settings).AddAsync(new NewUserRequest(username, "analyst"));

        Assert.True(code == ExitCodes.Success, terminal.ToString());
        var password = PrintedPassword().Match(terminal.Out).Groups[1].Value;
        Assert.True(password.Length >= 20, terminal.ToString());
        await using var check = await store.OpenAsync();
        Assert.Equal(LoginOutcome.Success, (await check.Identity.CheckPasswordAsync(username, password)).Outcome);
        var (role, actor) = await check.Db.ReadAsync(c => c.QuerySingleAsync<(string, string)>("""
            SELECT m.role, a.actor FROM users u JOIN memberships m ON m.user_id = u.id
            JOIN audit_log a ON a.entity_type = 'user' AND a.action = 'user.create' AND a.entity_id = CAST(u.id AS TEXT)
            WHERE u.username = @username
            """, new { username }));
        Assert.Equal(("analyst", "cli"), (role, actor));
    }

    [Fact]
    public async Task Adding_a_user_with_a_password_does_not_print_it()
    {
        var terminal = new TestTerminal();
        var code = await new UserVerbs(terminal.Terminal, store.Settings).AddAsync(new NewUserRequest(Unique("bob"), "read-only", "chosen-password-1"));

        Assert.True(code == ExitCodes.Success, terminal.ToString());
        Assert.DoesNotContain("chosen-password-1", terminal.Out);
        Assert.DoesNotContain("password:", terminal.Out);
    }

    [Fact]
    public async Task Adding_an_existing_username_fails_clearly_whatever_its_case()
    {
        var username = Unique("carol");
        Assert.Equal(ExitCodes.Success, await new UserVerbs(new TestTerminal().Terminal, store.Settings).AddAsync(new NewUserRequest(username, "analyst")));
        var terminal = new TestTerminal();

        var code = await new UserVerbs(terminal.Terminal, store.Settings).AddAsync(new NewUserRequest(username.ToUpperInvariant(), "admin"));

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains($"error: a user named '{username}' already exists", terminal.Error);
    }

    [Fact]
    public async Task An_unknown_role_or_weak_password_is_a_usage_error()
    {
        var role = new TestTerminal();
        var weak = new TestTerminal();

        Assert.Equal(ExitCodes.Usage, await new UserVerbs(role.Terminal, store.Settings).AddAsync(new NewUserRequest(Unique("dave"), "boss")));
        Assert.Equal(ExitCodes.Usage, await new UserVerbs(weak.Terminal, store.Settings).AddAsync(new NewUserRequest(Unique("erin"), "analyst", "short")));

        Assert.Contains("use one of admin, analyst, approver, read-only", role.Error);
        Assert.Contains("password must be at least 10 characters", weak.Error);
    }

    [Fact]
    public async Task Adding_a_user_to_an_unknown_organisation_exits_not_found_and_writes_nothing()
    {
        var username = Unique("frank");
        var terminal = new TestTerminal();

        var code = await new UserVerbs(terminal.Terminal, store.Settings).AddAsync(new NewUserRequest(username, "analyst", Organisation: "nowhere"));

        Assert.Equal(ExitCodes.NotFound, code);
        Assert.Contains("organisation 'nowhere' does not exist", terminal.Error);
        Assert.Contains("organisations: default", terminal.Error);
        await using var check = await store.OpenAsync();
        Assert.Null(await check.Db.ReadAsync(c => IdentityStore.FindUserAsync(c, username)));
    }

    [Fact]
    public async Task Creating_an_api_key_prints_it_once_and_stores_only_its_hash()
    {
        var terminal = new TestTerminal();

        var code = await new ApiKeyVerbs(terminal.Terminal, store.Settings).CreateAsync(Bootstrap.AdminUser, "ci");

        Assert.True(code == ExitCodes.Success, terminal.ToString());
        var key = terminal.Out.Trim();
        Assert.StartsWith("qk_", key);
        Assert.DoesNotContain(key, terminal.Error);
        await using var check = await store.OpenAsync();
        var (name, actor) = await check.Db.ReadAsync(c => c.QuerySingleAsync<(string, string)>("""
            SELECT k.name, a.actor FROM api_keys k
            JOIN audit_log a ON a.entity_type = 'apikey' AND a.action = 'apikey.create' AND a.entity_id = CAST(k.id AS TEXT)
            WHERE k.key_hash = @hash
            """, new { hash = ApiKeys.Hash(key) }));
        Assert.Equal(("ci", "cli"), (name, actor));
        Assert.Equal(0, await check.Db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM api_keys WHERE key_hash = @key", new { key })));
    }

    [Fact]
    public async Task An_api_key_for_an_unknown_user_exits_not_found()
    {
        var terminal = new TestTerminal();
        var code = await new ApiKeyVerbs(terminal.Terminal, store.Settings).CreateAsync("nobody-here");

        Assert.Equal(ExitCodes.NotFound, code);
        Assert.Contains("user 'nobody-here' does not exist", terminal.Error);
        Assert.Equal("", terminal.Out);
    }

    [Fact]
    public async Task Audit_verify_detects_an_entry_edited_in_the_database_and_names_it()
    {
        await using var db = await store.OpenAsync();
        var (id, actor) = await db.Db.ReadAsync(c => c.QuerySingleAsync<(long, string)>("SELECT id, actor FROM audit_log ORDER BY id LIMIT 1"));
        var intact = new TestTerminal();
        Assert.Equal(ExitCodes.Success, await new AuditVerbs(intact.Terminal, store.Settings).VerifyAsync());

        await db.Db.WriteAsync((c, tx) => c.ExecuteAsync("UPDATE audit_log SET actor = 'mallory' WHERE id = @id", new { id }, tx));
        var broken = new TestTerminal();
        int code;
        try
        {
            code = await new AuditVerbs(broken.Terminal, store.Settings).VerifyAsync();
        }
        finally
        {
            // Other tests of this class share the store; they must find the chain whole again.
            await db.Db.WriteAsync((c, tx) => c.ExecuteAsync("UPDATE audit_log SET actor = @actor WHERE id = @id", new { id, actor }, tx));
        }

        Assert.Contains("audit chain valid", intact.Out);
        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains($"error: audit chain broken at entry {id}: entry {id} was modified after it was written", broken.Error);
    }
}

public sealed class AdminVerbTestsOnSqlite(SqliteStore store) : AdminVerbTests(store), IClassFixture<SqliteStore>;

public sealed class AdminVerbTestsOnPostgres(PostgresStore store) : AdminVerbTests(store), IClassFixture<PostgresStore>;

/// <summary>Stores that cannot be opened: nothing to share, so no fixture.</summary>
public sealed class UnreachableStoreTests
{
    [Fact]
    public async Task An_unreachable_postgres_exits_unreachable()
    {
        var terminal = new TestTerminal();
        var settings = new ServeSettings(null, Path.GetTempPath(), "Host=127.0.0.1;Port=1;Username=quell;Database=quell;Timeout=5");

        var code = await new AuditVerbs(terminal.Terminal, settings).VerifyAsync();

        Assert.Equal(ExitCodes.Unreachable, code);
        Assert.Contains("error: cannot open the store (PostgreSQL 127.0.0.1:1/quell)", terminal.Error);
    }

    [Fact]
    public async Task A_data_folder_that_cannot_be_created_exits_unreachable()
    {
        var file = Path.GetTempFileName();
        try
        {
            var terminal = new TestTerminal();
            var code = await new UserVerbs(terminal.Terminal, new ServeSettings(null, Path.Combine(file, "data"), null))
                .AddAsync(new NewUserRequest("someone", "analyst"));

            Assert.Equal(ExitCodes.Unreachable, code);
            Assert.Contains("error: cannot open the data folder", terminal.Error);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
