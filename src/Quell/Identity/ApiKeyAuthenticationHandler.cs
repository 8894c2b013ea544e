using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Dapper;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quell.Storage;

namespace Quell.Identity;

/// <summary>`Authorization: Bearer KEY` (or Basic with the key as password). The role comes from the key owner's current membership, so role changes apply at once.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, Db db, TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "apikey";

    // last_used_at is written at most once a minute per key: a write per request would halve intake throughput.
    static readonly ConcurrentDictionary<long, long> LastTouched = new();

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (KeyOf(header) is not { } secret)
            return AuthenticateResult.NoResult();
        if (secret.Length == 0)
            return AuthenticateResult.Fail("empty API key");

        await using var c = await db.OpenAsync(Context.RequestAborted);
        var row = await c.QuerySingleOrDefaultAsync<KeyRow>("""
            SELECT k.id AS KeyId, u.id AS UserId, u.username AS Username, u.platform_admin AS PlatformAdmin, u.disabled AS Disabled,
                   k.org_id AS OrgId, o.name AS OrgName, m.role AS Role
            FROM api_keys k
            JOIN users u ON u.id = k.user_id
            JOIN memberships m ON m.user_id = k.user_id AND m.org_id = k.org_id
            JOIN organisations o ON o.id = k.org_id
            WHERE k.key_hash = @hash AND k.revoked_at IS NULL
            """, new { hash = ApiKeys.Hash(secret) });
        if (row is null || row.Disabled || !Roles.TryParse(row.Role, out var role))
            return AuthenticateResult.Fail("the API key is unknown, revoked, or its user has no access");

        // A key acts in the one organisation it was made for. A request naming another one would otherwise be
        // carried out silently in the key's organisation (alerts landing in the wrong tenant).
        string? wanted = Request.Headers[SessionValidator.OrganisationHeader];
        if (!string.IsNullOrWhiteSpace(wanted) && wanted != row.OrgName && wanted != row.OrgId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            return AuthenticateResult.Fail($"this API key is bound to organisation '{row.OrgName}' but the X-Organisation header names another; use a key made in that organisation");

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (!LastTouched.TryGetValue(row.KeyId, out var last) || now - last > 60_000)
        {
            LastTouched[row.KeyId] = now;
            await c.ExecuteAsync("UPDATE api_keys SET last_used_at = @now WHERE id = @id", new { now, id = row.KeyId });
        }

        var identity = Caller.ToIdentity(row.UserId, row.Username, row.OrgId, role, row.PlatformAdmin, "apikey", SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <summary>
    /// The API key of an Authorization header: <c>Bearer KEY</c>, or <c>Basic</c> with the key as the password (TAXII
    /// clients commonly speak only Basic; the user name is not checked, the key alone identifies its user). Null when
    /// the header is neither; "" when it is one of them but carries no key.
    /// </summary>
    public static string? KeyOf(string? header)
    {
        if (header is null)
            return null;
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return header["Bearer ".Length..].Trim();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            return null;
        try
        {
            var pair = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? "" : pair[(colon + 1)..];
        }
        catch (FormatException)
        {
            return "";
        }
    }

    /// <summary>Whether a request authenticates with an API key (Bearer or Basic), not with the session cookie.</summary>
    public static bool HasKey(Microsoft.AspNetCore.Http.HttpRequest request) => KeyOf(request.Headers.Authorization) is not null;

    /// <summary>HttpContext.Items key under which a challenge leaves why the key was refused, for the 401's detail.</summary>
    public const string FailureItem = "quell:auth-failure";

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if ((await HandleAuthenticateOnceSafeAsync()).Failure is { } failure)
            Context.Items[FailureItem] = failure.Message;
        await base.HandleChallengeAsync(properties);
    }

    sealed class KeyRow
    {
        public long KeyId { get; set; }
        public long UserId { get; set; }
        public string Username { get; set; } = "";
        public bool PlatformAdmin { get; set; }
        public bool Disabled { get; set; }
        public long OrgId { get; set; }
        public string OrgName { get; set; } = "";
        public string Role { get; set; } = "";
    }
}
