using System.Security.Cryptography;
using Dapper;
using Microsoft.Extensions.Logging;
using Quell.Audit;
using Quell.Storage;

namespace Quell.Identity;

/// <summary>
/// First start: creates the "default" organisation and the `admin` user (platform administrator, admin there).
/// The password comes from QUELL_ADMIN_PASSWORD or is generated and printed once; QUELL_BOOTSTRAP_API_KEY, if set,
/// becomes an admin API key for scripted set-ups. Later starts do nothing.
/// </summary>
public sealed partial class Bootstrap(Db db, IdentityStore identity, ApiKeys apiKeys, AuditLog audit, ILogger<Bootstrap> logger)
{
    public const string DefaultOrganisation = "default";
    public const string AdminUser = "admin";

    const long PostgresBootstrapLock = 0x5155454C4C03;

    public sealed record Outcome(bool Created, string? GeneratedPassword);

    public Task<Outcome> RunAsync(string? adminPassword, string? bootstrapApiKey, CancellationToken ct = default) =>
        db.WriteAsync(async (c, tx) =>
        {
            // Nodes starting together on one fresh PostgreSQL must not both create the first admin.
            if (db.IsPostgres)
                await c.ExecuteAsync("SELECT pg_advisory_xact_lock(@k)", new { k = PostgresBootstrapLock }, tx);
            if (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users", transaction: tx) > 0)
                return new Outcome(false, null);

            var generated = string.IsNullOrEmpty(adminPassword) ? GeneratePassword() : null;
            // Another node starting against the same PostgreSQL may have bootstrapped meanwhile: then there is nothing to do.
            if (await identity.CreateOrganisationAsync(c, tx, DefaultOrganisation, "Created on first start") is not { } orgId)
                return new Outcome(false, null);
            var userId = await identity.CreateUserAsync(c, tx, AdminUser, "Administrator", adminPassword ?? generated, platformAdmin: true)
                ?? throw new InvalidOperationException($"user '{AdminUser}' appeared while bootstrapping; start again");
            await IdentityStore.SetMembershipAsync(c, tx, userId, orgId, Role.Admin);
            await audit.AppendAsync(c, tx, new AuditEntry(orgId, "system", "bootstrap", "user", userId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                null, new { username = AdminUser, organisation = DefaultOrganisation, apiKey = !string.IsNullOrEmpty(bootstrapApiKey) }));
            if (!string.IsNullOrEmpty(bootstrapApiKey))
                await apiKeys.CreateAsync(c, tx, userId, orgId, "bootstrap", bootstrapApiKey);
            LogBootstrapped(logger, AdminUser, DefaultOrganisation);
            return new Outcome(true, generated);
        }, ct);

    /// <summary>A random password for a new account (144 bits), shown to the operator once.</summary>
    public static string GeneratePassword() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', 'x').Replace('/', 'y');

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "First start: created user {User} in organisation {Organisation}")]
    static partial void LogBootstrapped(ILogger logger, string user, string organisation);
}
