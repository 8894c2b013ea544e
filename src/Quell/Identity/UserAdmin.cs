using Quell.Audit;
using Quell.Storage;

namespace Quell.Identity;

/// <summary>Why an account change was refused: the field it concerns (for the form or the problem+json) and the reason.</summary>
public sealed record AccountFailure(AccountFailureKind Kind, string Field, string Message);

public enum AccountFailureKind
{
    Invalid,
    NotFound,
    Conflict,
    Forbidden,
}

/// <summary>The result of an account change: the value, or why nothing was written.</summary>
public sealed record AccountResult<T>(T? Value, AccountFailure? Failure)
{
    public static implicit operator AccountResult<T>(AccountFailure failure) => new(default, failure);
}

/// <summary>What an organisation admin changes in <see cref="UserAdmin.UpdateUserAsync"/>; null fields stay as they are.</summary>
public sealed record UserChange(string? DisplayName = null, Role? Role = null, bool? Disabled = null, string? Password = null);

/// <summary>
/// The rules and writes behind the users, organisations, passwords and API keys endpoints, shared by the API and the
/// web UI so that both refuse the same things and write the same audit entries. Callers parse their input (JSON or a
/// form) into plain values; everything else — strength, self-protection, cross-organisation limits, conflicts — is here.
/// </summary>
public sealed class UserAdmin(Db db, IdentityStore identity, ApiKeys keys, AuditLog audit)
{
    static AccountFailure Invalid(string field, string message) => new(AccountFailureKind.Invalid, field, message);

    public async Task<AccountResult<Member>> CreateUserAsync(Caller caller, string username, string? displayName, string? password, Role role, CancellationToken ct)
    {
        if (!UserEndpoints.ValidUsername(username))
            return Invalid("username", "username may contain only letters, digits, '.', '_', '-' and '@'");
        if (password is not null && identity.CheckPasswordStrength(password) is { } weak)
            return Invalid("password", weak);
        return await db.WriteAsync<AccountResult<Member>>(async (c, tx) =>
        {
            var conflict = new AccountFailure(AccountFailureKind.Conflict, "username",
                $"a user named '{IdentityStore.NormalizeUsername(username)}' already exists; choose another username");
            if (await IdentityStore.FindUserAsync(c, username, tx) is not null)
                return conflict;
            if (await identity.CreateUserAsync(c, tx, username, string.IsNullOrWhiteSpace(displayName) ? username : displayName, password, platformAdmin: false) is not { } id)
                return conflict;
            await IdentityStore.SetMembershipAsync(c, tx, id, caller.OrgId, role);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "user.create", "user", IdentityEndpoints.Id(id), null,
                new { username = IdentityStore.NormalizeUsername(username), role = Roles.Name(role) }));
            return new(await IdentityStore.GetMemberAsync(c, caller.OrgId, id, tx), null);
        }, ct);
    }

    /// <summary>Checks a change before any write; null when it may go ahead (the rest is checked against the stored user).</summary>
    public AccountFailure? Precheck(Caller caller, long id, UserChange change)
    {
        if (change.Password is not null && identity.CheckPasswordStrength(change.Password) is { } weak)
            return Invalid("password", weak);
        if (id == caller.UserId && (change.Disabled == true || (change.Role is not null && change.Role != Role.Admin)))
            return Invalid(change.Disabled == true ? "disabled" : "role", "you cannot disable yourself or take away your own admin role; ask another admin");
        return null;
    }

    public async Task<AccountResult<Member>> UpdateUserAsync(Caller caller, long id, UserChange change, CancellationToken ct)
    {
        if (Precheck(caller, id, change) is { } refused)
            return refused;
        return await db.WriteAsync<AccountResult<Member>>(async (c, tx) =>
        {
            var before = await IdentityStore.GetMemberAsync(c, caller.OrgId, id, tx);
            if (before is null)
                return new AccountFailure(AccountFailureKind.NotFound, "id", $"user {id} does not exist");
            var accountField = change.Password is not null ? "password" : change.Disabled is not null ? "disabled" : change.DisplayName is not null ? "displayName" : null;
            if (accountField is not null && id != caller.UserId && !caller.PlatformAdmin &&
                (before.PlatformAdmin || await IdentityStore.BelongsElsewhereAsync(c, id, caller.OrgId, tx)))
                return new AccountFailure(AccountFailureKind.Forbidden, accountField,
                    $"{accountField}: user {id} is a platform administrator or also belongs to another organisation, so their " +
                    "password, disabled flag and display name apply beyond this organisation; only a platform administrator may change them");
            if (change.DisplayName is not null)
                await identity.SetDisplayNameAsync(c, tx, id, change.DisplayName);
            if (change.Role is { } role)
                await IdentityStore.SetMembershipAsync(c, tx, id, caller.OrgId, role);
            if (change.Disabled is { } disabled)
                await identity.SetDisabledAsync(c, tx, id, disabled);
            if (change.Password is not null)
                await identity.SetPasswordAsync(c, tx, id, change.Password);
            var after = await IdentityStore.GetMemberAsync(c, caller.OrgId, id, tx);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "user.update", "user", IdentityEndpoints.Id(id), before,
                new { after!.DisplayName, after.Role, after.Disabled, passwordReset = change.Password is not null }));
            return new(after, null);
        }, ct);
    }

    /// <summary>Removes the user from the caller's organisation (the account stays for its other organisations).</summary>
    public async Task<AccountResult<Member>> RemoveUserAsync(Caller caller, long id, CancellationToken ct)
    {
        if (id == caller.UserId)
            return Invalid("id", "you cannot remove yourself from the organisation; ask another admin");
        return await db.WriteAsync<AccountResult<Member>>(async (c, tx) =>
        {
            var before = await IdentityStore.GetMemberAsync(c, caller.OrgId, id, tx);
            if (before is null)
                return new AccountFailure(AccountFailureKind.NotFound, "id", $"user {id} does not exist");
            await IdentityStore.RemoveMembershipAsync(c, tx, id, caller.OrgId);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "user.remove", "user", IdentityEndpoints.Id(id), before, null));
            return new(before, null);
        }, ct);
    }

    /// <summary>
    /// The caller's own password. Other sessions of the user end (whoever learnt the old password is out); the caller's
    /// own session, <paramref name="keepSessionId"/>, stays.
    /// </summary>
    public async Task<AccountResult<bool>> ChangeOwnPasswordAsync(Caller caller, string current, string next, string? keepSessionId, CancellationToken ct)
    {
        if (identity.CheckPasswordStrength(next) is { } weak)
            return Invalid("newPassword", "newPassword: " + weak);
        return await db.WriteAsync<AccountResult<bool>>(async (c, tx) =>
        {
            var user = await IdentityStore.GetUserAsync(c, caller.UserId, tx);
            if (user is null || !IdentityStore.VerifyPassword(user, current))
                return Invalid("currentPassword", "currentPassword is wrong");
            await identity.SetPasswordAsync(c, tx, caller.UserId, next, keepSessionId);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "user.password", "user", IdentityEndpoints.Id(caller.UserId), null, null));
            return new(true, null);
        }, ct);
    }

    /// <summary>A new API key of <paramref name="userId"/> in the caller's organisation; the secret is returned once and stored hashed.</summary>
    public async Task<AccountResult<(long Id, string Secret)>> CreateKeyAsync(Caller caller, long userId, string name, CancellationToken ct)
    {
        if (userId != caller.UserId)
        {
            var member = await db.ReadAsync(c => IdentityStore.GetMemberAsync(c, caller.OrgId, userId), ct);
            if (member is null)
                return new AccountFailure(AccountFailureKind.NotFound, "id", $"user {userId} does not exist");
            // A key of a platform administrator carries platform powers (organisations, members, jobs) whatever org it is bound to.
            if (member.PlatformAdmin && !caller.PlatformAdmin)
                return new AccountFailure(AccountFailureKind.Forbidden, "id",
                    $"user {userId} is a platform administrator; only a platform administrator may create API keys for them");
        }
        if (string.IsNullOrWhiteSpace(name))
            return Invalid("name", "name is required");
        if (name.Length > 128)
            return Invalid("name", "name must be at most 128 characters");
        var secret = ApiKeys.NewSecret();
        var id = await db.WriteAsync(async (c, tx) =>
        {
            var keyId = await keys.CreateAsync(c, tx, userId, caller.OrgId, name, secret);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "apikey.create", "apikey", IdentityEndpoints.Id(keyId), null, new { userId, name }));
            return keyId;
        }, ct);
        return new((id, secret), null);
    }

    /// <summary>Revokes one of the caller's own keys in the current organisation; another user's key is "not found".</summary>
    public Task<AccountResult<bool>> RevokeOwnKeyAsync(Caller caller, long keyId, CancellationToken ct) =>
        RevokeKeyAsync(caller, caller.UserId, keyId, ct);

    /// <summary>The API keys of a user of the caller's organisation that act in it (never their values).</summary>
    public async Task<AccountResult<IReadOnlyList<ApiKeyInfo>>> ListKeysAsync(Caller caller, long userId, CancellationToken ct) =>
        await db.ReadAsync<AccountResult<IReadOnlyList<ApiKeyInfo>>>(async c =>
            await IdentityStore.GetMemberAsync(c, caller.OrgId, userId) is null
                ? new AccountFailure(AccountFailureKind.NotFound, "id", $"user {userId} does not exist")
                : new AccountResult<IReadOnlyList<ApiKeyInfo>>(await ApiKeys.ListAsync(c, userId, caller.OrgId), null), ct);

    /// <summary>Revokes a key of <paramref name="userId"/> acting in the caller's organisation; keys of other users or organisations are "not found".</summary>
    public async Task<AccountResult<bool>> RevokeKeyAsync(Caller caller, long userId, long keyId, CancellationToken ct) =>
        await db.WriteAsync<AccountResult<bool>>(async (c, tx) =>
        {
            var key = await ApiKeys.GetAsync(c, keyId, tx);
            if (key is null || key.UserId != userId || key.OrgId != caller.OrgId)
                return new AccountFailure(AccountFailureKind.NotFound, "id", $"API key {keyId} does not exist");
            await keys.RevokeAsync(c, tx, keyId);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "apikey.revoke", "apikey", IdentityEndpoints.Id(keyId), null,
                userId == caller.UserId ? null : new { userId }));
            return new(true, null);
        }, ct);

    public async Task<AccountResult<Organisation>> CreateOrganisationAsync(Caller caller, string name, string description, CancellationToken ct) =>
        await db.WriteAsync<AccountResult<Organisation>>(async (c, tx) =>
        {
            var conflict = new AccountFailure(AccountFailureKind.Conflict, "name", $"an organisation named '{name}' already exists");
            if (await IdentityStore.FindOrganisationAsync(c, name, tx) is not null)
                return conflict;
            if (await identity.CreateOrganisationAsync(c, tx, name, description) is not { } id)
                return conflict;
            await audit.AppendAsync(c, tx, new AuditEntry(id, caller.Actor, "organisation.create", "organisation", IdentityEndpoints.Id(id), null, new { name, description }));
            return new(await IdentityStore.GetOrganisationAsync(c, id, tx), null);
        }, ct);

    public async Task<AccountResult<Organisation>> SetOrganisationDescriptionAsync(Caller caller, long id, string description, CancellationToken ct) =>
        await db.WriteAsync<AccountResult<Organisation>>(async (c, tx) =>
        {
            var before = await IdentityStore.GetOrganisationAsync(c, id, tx);
            if (before is null)
                return new AccountFailure(AccountFailureKind.NotFound, "id", $"organisation {id} does not exist");
            await IdentityStore.SetOrganisationDescriptionAsync(c, tx, id, description);
            await audit.AppendAsync(c, tx, new AuditEntry(id, caller.Actor, "organisation.update", "organisation", IdentityEndpoints.Id(id),
                new { before.Description }, new { description }));
            return new(await IdentityStore.GetOrganisationAsync(c, id, tx), null);
        }, ct);
}
