using System.Data.Common;
using Dapper;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Quell.Storage;

namespace Quell.Identity;

/// <summary>Organisations, users, memberships and password checks. Usernames are stored lower-case and unique.</summary>
public sealed class IdentityStore(Db db, TimeProvider time, IOptions<IdentityOptions> options)
{
    const string UserColumns = "id AS Id, username AS Username, display_name AS DisplayName, password_hash AS PasswordHash, platform_admin AS PlatformAdmin, disabled AS Disabled, failed_logins AS FailedLogins, locked_until AS LockedUntil, created_at AS CreatedAt, updated_at AS UpdatedAt";
    const string OrgColumns = "id AS Id, name AS Name, description AS Description, created_at AS CreatedAt";
    const string MemberColumns = "u.id AS Id, u.username AS Username, u.display_name AS DisplayName, m.role AS Role, u.platform_admin AS PlatformAdmin, u.disabled AS Disabled, u.locked_until AS LockedUntil, u.created_at AS CreatedAt";

    static readonly PasswordHasher<UserAccount> Hasher = new();

    public IdentityOptions Options => options.Value;

    long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    public static string NormalizeUsername(string username) => username.Trim().ToLowerInvariant();

    // Organisations

    public Task<IReadOnlyList<Organisation>> ListOrganisationsAsync(CancellationToken ct = default) =>
        db.ReadAsync<IReadOnlyList<Organisation>>(async c => (await c.QueryAsync<Organisation>($"SELECT {OrgColumns} FROM organisations ORDER BY name")).AsList(), ct);

    public static async Task<Organisation?> GetOrganisationAsync(DbConnection c, long id, DbTransaction? tx = null) =>
        await c.QuerySingleOrDefaultAsync<Organisation>($"SELECT {OrgColumns} FROM organisations WHERE id = @id", new { id }, tx);

    public static async Task<Organisation?> FindOrganisationAsync(DbConnection c, string name, DbTransaction? tx = null) =>
        await c.QuerySingleOrDefaultAsync<Organisation>($"SELECT {OrgColumns} FROM organisations WHERE name = @name", new { name }, tx);

    /// <summary>
    /// Creates an organisation; null when the name is taken. ON CONFLICT rather than look-then-insert: two requests
    /// racing for one name would otherwise both pass the look and one would fail on the unique index (a 500).
    /// </summary>
    public async Task<long?> CreateOrganisationAsync(DbConnection c, DbTransaction tx, string name, string description) =>
        await c.ExecuteScalarAsync<long?>(
            "INSERT INTO organisations (name, description, created_at) VALUES (@name, @description, @now) ON CONFLICT (name) DO NOTHING RETURNING id",
            new { name, description, now = Now }, tx);

    public static async Task SetOrganisationDescriptionAsync(DbConnection c, DbTransaction tx, long id, string description) =>
        await c.ExecuteAsync("UPDATE organisations SET description = @description WHERE id = @id", new { description, id }, tx);

    // Users

    public static async Task<UserAccount?> FindUserAsync(DbConnection c, string username, DbTransaction? tx = null) =>
        await c.QuerySingleOrDefaultAsync<UserAccount>($"SELECT {UserColumns} FROM users WHERE username = @u", new { u = NormalizeUsername(username) }, tx);

    public static async Task<UserAccount?> GetUserAsync(DbConnection c, long id, DbTransaction? tx = null) =>
        await c.QuerySingleOrDefaultAsync<UserAccount>($"SELECT {UserColumns} FROM users WHERE id = @id", new { id }, tx);

    /// <summary>Creates a user; null when the (normalized) username is taken, also by a request racing this one.</summary>
    public async Task<long?> CreateUserAsync(DbConnection c, DbTransaction tx, string username, string displayName, string? password, bool platformAdmin)
    {
        var hash = password is null ? null : Hasher.HashPassword(null!, password);
        return await c.ExecuteScalarAsync<long?>("""
            INSERT INTO users (username, display_name, password_hash, platform_admin, disabled, failed_logins, created_at, updated_at)
            VALUES (@username, @displayName, @hash, @platformAdmin, @disabled, 0, @now, @now)
            ON CONFLICT (username) DO NOTHING RETURNING id
            """, new { username = NormalizeUsername(username), displayName, hash, platformAdmin, disabled = false, now = Now }, tx);
    }

    /// <summary>
    /// Sets the password and ends the user's sessions except <paramref name="keepSessionId"/> (the one changing its own
    /// password): a reset is how an admin locks out whoever learnt the old one, so their sessions must not outlive it.
    /// </summary>
    public async Task SetPasswordAsync(DbConnection c, DbTransaction tx, long userId, string password, string? keepSessionId = null)
    {
        await c.ExecuteAsync("UPDATE users SET password_hash = @hash, failed_logins = 0, locked_until = NULL, updated_at = @now WHERE id = @userId",
            new { hash = Hasher.HashPassword(null!, password), now = Now, userId }, tx);
        await c.ExecuteAsync("UPDATE sessions SET ended_at = @now WHERE user_id = @userId AND ended_at IS NULL AND id <> @keep",
            new { now = Now, userId, keep = keepSessionId ?? "" }, tx);
    }

    public async Task SetDisabledAsync(DbConnection c, DbTransaction tx, long userId, bool disabled) =>
        await c.ExecuteAsync("UPDATE users SET disabled = @disabled, updated_at = @now WHERE id = @userId", new { disabled, now = Now, userId }, tx);

    public async Task SetDisplayNameAsync(DbConnection c, DbTransaction tx, long userId, string displayName) =>
        await c.ExecuteAsync("UPDATE users SET display_name = @displayName, updated_at = @now WHERE id = @userId", new { displayName, now = Now, userId }, tx);

    public static bool VerifyPassword(UserAccount user, string password) =>
        user.PasswordHash is not null && Hasher.VerifyHashedPassword(user, user.PasswordHash, password) != PasswordVerificationResult.Failed;

    // Memberships

    public static async Task SetMembershipAsync(DbConnection c, DbTransaction tx, long userId, long orgId, Role role) =>
        await c.ExecuteAsync("""
            INSERT INTO memberships (user_id, org_id, role) VALUES (@userId, @orgId, @role)
            ON CONFLICT (user_id, org_id) DO UPDATE SET role = excluded.role
            """, new { userId, orgId, role = Roles.Name(role) }, tx);

    public static async Task<int> RemoveMembershipAsync(DbConnection c, DbTransaction tx, long userId, long orgId) =>
        await c.ExecuteAsync("DELETE FROM memberships WHERE user_id = @userId AND org_id = @orgId", new { userId, orgId }, tx);

    /// <summary>True when the user also belongs to an organisation other than <paramref name="orgId"/>.</summary>
    public static async Task<bool> BelongsElsewhereAsync(DbConnection c, long userId, long orgId, DbTransaction? tx = null) =>
        await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM memberships WHERE user_id = @userId AND org_id <> @orgId", new { userId, orgId }, tx) > 0;

    public static async Task<Member?> GetMemberAsync(DbConnection c, long orgId, long userId, DbTransaction? tx = null) =>
        await c.QuerySingleOrDefaultAsync<Member>(
            $"SELECT {MemberColumns} FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.org_id = @orgId AND u.id = @userId",
            new { orgId, userId }, tx);

    public Task<IReadOnlyList<Member>> ListMembersAsync(long orgId, CancellationToken ct = default) =>
        db.ReadAsync<IReadOnlyList<Member>>(async c => (await c.QueryAsync<Member>(
            $"SELECT {MemberColumns} FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.org_id = @orgId ORDER BY u.username",
            new { orgId })).AsList(), ct);

    /// <summary>The user's organisations with their role there, first joined first.</summary>
    public static async Task<IReadOnlyList<(long OrgId, string OrgName, string Role)>> MembershipsOfAsync(DbConnection c, long userId) =>
        (await c.QueryAsync<(long, string, string)>(
            "SELECT o.id, o.name, m.role FROM memberships m JOIN organisations o ON o.id = m.org_id WHERE m.user_id = @userId ORDER BY o.id",
            new { userId })).AsList();

    /// <summary>
    /// Checks a password with lockout: after <see cref="IdentityOptions.MaxFailedLogins"/> failures the account
    /// is locked for <see cref="IdentityOptions.LockoutDuration"/>, and even the right password is refused meanwhile.
    /// </summary>
    public Task<LoginResult> CheckPasswordAsync(string username, string password, CancellationToken ct = default) =>
        db.WriteAsync(async (c, tx) =>
        {
            // Attempts on one account take turns (SQLite has a single writer; on PostgreSQL the row lock does it):
            // overlapping attempts would otherwise each read the same failure count and write it back plus one,
            // and guesses sent in parallel would never lock the account.
            var user = await c.QuerySingleOrDefaultAsync<UserAccount>(
                $"SELECT {UserColumns} FROM users WHERE username = @u{(db.IsPostgres ? " FOR UPDATE" : "")}", new { u = NormalizeUsername(username) }, tx);
            if (user is null)
            {
                // Same work as for a real user, so response time does not reveal which usernames exist.
                Hasher.VerifyHashedPassword(null!, DummyHash, password);
                return new LoginResult(LoginOutcome.InvalidCredentials);
            }
            var now = Now;
            if (user.LockedUntil is { } until && until > now)
                return new LoginResult(LoginOutcome.LockedOut, user, until);
            if (!VerifyPassword(user, password))
            {
                var failures = user.FailedLogins + 1;
                long? lockUntil = failures >= Options.MaxFailedLogins ? now + (long)Options.LockoutDuration.TotalMilliseconds : null;
                await c.ExecuteAsync("UPDATE users SET failed_logins = @f, locked_until = @l WHERE id = @id",
                    new { f = lockUntil is null ? failures : 0, l = lockUntil, id = user.Id }, tx);
                return lockUntil is null
                    ? new LoginResult(LoginOutcome.InvalidCredentials)
                    : new LoginResult(LoginOutcome.LockedOut, user, lockUntil);
            }
            if (user.Disabled)
                return new LoginResult(LoginOutcome.Disabled, user);
            if (user.FailedLogins != 0 || user.LockedUntil is not null)
                await c.ExecuteAsync("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = @id", new { id = user.Id }, tx);
            return new LoginResult(LoginOutcome.Success, user);
        }, ct);

    // Sessions: the cookie carries a session id, and a session ended here (logout) is refused even if a copy of the cookie lives on.

    public async Task<string> StartSessionAsync(long userId, CancellationToken ct = default)
    {
        var id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        await db.WriteAsync((c, tx) => c.ExecuteAsync("INSERT INTO sessions (id, user_id, created_at) VALUES (@id, @userId, @now)", new { id, userId, now = Now }, tx), ct);
        return id;
    }

    public Task EndSessionAsync(string sessionId, CancellationToken ct = default) =>
        db.WriteAsync((c, tx) => c.ExecuteAsync("UPDATE sessions SET ended_at = @now WHERE id = @sessionId AND ended_at IS NULL", new { sessionId, now = Now }, tx), ct);

    public static async Task<bool> IsSessionOpenAsync(DbConnection c, string sessionId, long userId) =>
        await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM sessions WHERE id = @sessionId AND user_id = @userId AND ended_at IS NULL", new { sessionId, userId }) > 0;

    static readonly string DummyHash = Hasher.HashPassword(null!, "quell-dummy-password");

    public string? CheckPasswordStrength(string password) =>
        password.Length < Options.MinPasswordLength ? $"password must be at least {Options.MinPasswordLength} characters" : null;
}
