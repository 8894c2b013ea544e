using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quell.Audit;
using Quell.Http;
using Quell.Storage;

namespace Quell.Identity;

/// <summary>Users of the caller's organisation (admins) and organisations (platform administrators).</summary>
public static class UserEndpoints
{
    public static IEndpointRouteBuilder MapUserEndpoints(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/api/v1/users").WithTags("Users");
        users.MapGet("", (Caller caller, IdentityStore identity, CancellationToken ct) => identity.ListMembersAsync(caller.OrgId, ct))
            .RequirePermission(Permission.UserManage).WithSummary("Users of this organisation");
        users.MapPost("", Create).RequirePermission(Permission.UserManage).WithSummary("Create a user in this organisation");
        users.MapGet("/{id:long}", Get).RequirePermission(Permission.UserManage).WithSummary("One user of this organisation");
        users.MapPatch("/{id:long}", Update).RequirePermission(Permission.UserManage).WithSummary("Change display name, role, disabled flag or password");
        users.MapDelete("/{id:long}", Remove).RequirePermission(Permission.UserManage).WithSummary("Remove the user from this organisation");
        users.MapPost("/{id:long}/api-keys", CreateKey).RequirePermission(Permission.UserManage)
            .WithSummary("Create an API key for a user of this organisation (service accounts); shown once");

        var orgs = app.MapGroup("/api/v1/organisations").WithTags("Organisations");
        orgs.MapGet("", (IdentityStore identity, CancellationToken ct) => identity.ListOrganisationsAsync(ct))
            .RequirePermission(Permission.OrganisationManage).WithSummary("All organisations");
        orgs.MapPost("", CreateOrganisation).RequirePermission(Permission.OrganisationManage).WithSummary("Create an organisation");
        orgs.MapPost("/{id:long}/members", AddMember).RequirePermission(Permission.OrganisationManage)
            .WithSummary("Give an existing user a role in an organisation");
        return app;
    }

    static async Task<IResult> Create(HttpRequest request, Caller caller, Db db, IdentityStore identity, AuditLog audit, CancellationToken ct)
    {
        var (doc, error) = await JsonBody.ReadAsync(request, 16 * 1024, ct);
        if (error is not null)
            return error;
        using var _ = doc;
        var errors = new InputErrors();
        var f = JsonFields.ForObject(doc!.RootElement, errors);
        var username = f?.String("username", required: true, maxLength: 64);
        var displayName = f?.String("displayName", maxLength: 256);
        var password = f?.String("password", maxLength: 1024);
        var roleName = f?.String("role", required: true, maxLength: 32);
        if (username is not null && !ValidUsername(username))
            errors.Add("username", "username may contain only letters, digits, '.', '_', '-' and '@'");
        if (password is not null && identity.CheckPasswordStrength(password) is { } weak)
            errors.Add("password", weak);
        var role = Role.ReadOnly;
        if (roleName is not null && !Roles.TryParse(roleName, out role))
            errors.Add("role", $"role must be one of {Roles.AllowedList}");
        if (errors.Any)
            return Problems.Invalid(errors);
        return await db.WriteAsync<IResult>(async (c, tx) =>
        {
            if (await IdentityStore.FindUserAsync(c, username!, tx) is not null)
                return Problems.Conflict($"a user named '{IdentityStore.NormalizeUsername(username!)}' already exists; choose another username");
            if (await identity.CreateUserAsync(c, tx, username!, displayName ?? username!, password, platformAdmin: false) is not { } id)
                return Problems.Conflict($"a user named '{IdentityStore.NormalizeUsername(username!)}' already exists; choose another username");
            await IdentityStore.SetMembershipAsync(c, tx, id, caller.OrgId, role);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "user.create", "user", IdentityEndpoints.Id(id), null,
                new { username = IdentityStore.NormalizeUsername(username!), role = Roles.Name(role) }));
            return TypedResults.Created($"/api/v1/users/{id}", await IdentityStore.GetMemberAsync(c, caller.OrgId, id, tx));
        }, ct);
    }

    static async Task<IResult> Get(long id, Caller caller, Db db, CancellationToken ct)
    {
        var member = await db.ReadAsync(c => IdentityStore.GetMemberAsync(c, caller.OrgId, id), ct);
        return member is null ? Problems.NotFound("user", id) : TypedResults.Ok(member);
    }

    static async Task<IResult> Update(long id, HttpRequest request, Caller caller, Db db, IdentityStore identity, AuditLog audit, CancellationToken ct)
    {
        var (doc, error) = await JsonBody.ReadAsync(request, 16 * 1024, ct);
        if (error is not null)
            return error;
        using var _ = doc;
        var errors = new InputErrors();
        var f = JsonFields.ForObject(doc!.RootElement, errors);
        var displayName = f?.String("displayName", maxLength: 256);
        var roleName = f?.String("role", maxLength: 32);
        var disabled = f?.Bool("disabled");
        var password = f?.String("password", maxLength: 1024);
        Role? role = null;
        if (roleName is not null)
        {
            if (Roles.TryParse(roleName, out var r))
                role = r;
            else
                errors.Add("role", $"role must be one of {Roles.AllowedList}");
        }
        if (password is not null && identity.CheckPasswordStrength(password) is { } weak)
            errors.Add("password", weak);
        if (id == caller.UserId && (disabled == true || (role is not null && role != Role.Admin)))
            errors.Add(disabled == true ? "disabled" : "role", "you cannot disable yourself or take away your own admin role; ask another admin");
        if (errors.Any)
            return Problems.Invalid(errors);
        return await db.WriteAsync<IResult>(async (c, tx) =>
        {
            var before = await IdentityStore.GetMemberAsync(c, caller.OrgId, id, tx);
            if (before is null)
                return Problems.NotFound("user", id);
            var accountField = password is not null ? "password" : disabled is not null ? "disabled" : displayName is not null ? "displayName" : null;
            if (accountField is not null && id != caller.UserId && !caller.PlatformAdmin &&
                (before.PlatformAdmin || await IdentityStore.BelongsElsewhereAsync(c, id, caller.OrgId, tx)))
                return Problems.Forbidden($"{accountField}: user {id} is a platform administrator or also belongs to another organisation, so their " +
                    "password, disabled flag and display name apply beyond this organisation; only a platform administrator may change them");
            if (displayName is not null)
                await identity.SetDisplayNameAsync(c, tx, id, displayName);
            if (role is not null)
                await IdentityStore.SetMembershipAsync(c, tx, id, caller.OrgId, role.Value);
            if (disabled is not null)
                await identity.SetDisabledAsync(c, tx, id, disabled.Value);
            if (password is not null)
                await identity.SetPasswordAsync(c, tx, id, password);
            var after = await IdentityStore.GetMemberAsync(c, caller.OrgId, id, tx);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "user.update", "user", IdentityEndpoints.Id(id), before,
                new { after!.DisplayName, after.Role, after.Disabled, passwordReset = password is not null }));
            return TypedResults.Ok(after);
        }, ct);
    }

    static async Task<IResult> Remove(long id, Caller caller, Db db, AuditLog audit, CancellationToken ct)
    {
        if (id == caller.UserId)
            return Problems.Invalid("id", "you cannot remove yourself from the organisation; ask another admin");
        return await db.WriteAsync<IResult>(async (c, tx) =>
        {
            var before = await IdentityStore.GetMemberAsync(c, caller.OrgId, id, tx);
            if (before is null)
                return Problems.NotFound("user", id);
            await IdentityStore.RemoveMembershipAsync(c, tx, id, caller.OrgId);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "user.remove", "user", IdentityEndpoints.Id(id), before, null));
            return TypedResults.NoContent();
        }, ct);
    }

    static async Task<IResult> CreateKey(long id, HttpRequest request, Caller caller, Db db, ApiKeys keys, AuditLog audit, CancellationToken ct)
    {
        var member = await db.ReadAsync(c => IdentityStore.GetMemberAsync(c, caller.OrgId, id), ct);
        if (member is null)
            return Problems.NotFound("user", id);
        // A key of a platform administrator carries platform powers (organisations, members, jobs) whatever org it is bound to.
        if (member.PlatformAdmin && !caller.PlatformAdmin && id != caller.UserId)
            return Problems.Forbidden($"user {id} is a platform administrator; only a platform administrator may create API keys for them");
        return await IdentityEndpoints.CreateKeyFor(request, id, caller, db, keys, audit, ct);
    }

    static async Task<IResult> CreateOrganisation(HttpRequest request, Caller caller, Db db, IdentityStore identity, AuditLog audit, CancellationToken ct)
    {
        var (doc, error) = await JsonBody.ReadAsync(request, 16 * 1024, ct);
        if (error is not null)
            return error;
        using var _ = doc;
        var errors = new InputErrors();
        var f = JsonFields.ForObject(doc!.RootElement, errors);
        var name = f?.String("name", required: true, maxLength: 128);
        var description = f?.String("description", maxLength: 4096, allowEmpty: true) ?? "";
        if (errors.Any)
            return Problems.Invalid(errors);
        return await db.WriteAsync<IResult>(async (c, tx) =>
        {
            if (await IdentityStore.FindOrganisationAsync(c, name!, tx) is not null)
                return Problems.Conflict($"an organisation named '{name}' already exists");
            if (await identity.CreateOrganisationAsync(c, tx, name!, description) is not { } id)
                return Problems.Conflict($"an organisation named '{name}' already exists");
            await audit.AppendAsync(c, tx, new AuditEntry(id, caller.Actor, "organisation.create", "organisation", IdentityEndpoints.Id(id), null, new { name, description }));
            return TypedResults.Created($"/api/v1/organisations/{id}", await IdentityStore.GetOrganisationAsync(c, id, tx));
        }, ct);
    }

    static async Task<IResult> AddMember(long id, HttpRequest request, Caller caller, Db db, AuditLog audit, CancellationToken ct)
    {
        var (doc, error) = await JsonBody.ReadAsync(request, 16 * 1024, ct);
        if (error is not null)
            return error;
        using var _ = doc;
        var errors = new InputErrors();
        var f = JsonFields.ForObject(doc!.RootElement, errors);
        var username = f?.String("username", required: true, maxLength: 64);
        var roleName = f?.String("role", required: true, maxLength: 32);
        var role = Role.ReadOnly;
        if (roleName is not null && !Roles.TryParse(roleName, out role))
            errors.Add("role", $"role must be one of {Roles.AllowedList}");
        if (errors.Any)
            return Problems.Invalid(errors);
        return await db.WriteAsync<IResult>(async (c, tx) =>
        {
            if (await IdentityStore.GetOrganisationAsync(c, id, tx) is null)
                return Problems.NotFound("organisation", id);
            var user = await IdentityStore.FindUserAsync(c, username!, tx);
            if (user is null)
                return Problems.Invalid("username", $"user '{username}' does not exist");
            await IdentityStore.SetMembershipAsync(c, tx, user.Id, id, role);
            await audit.AppendAsync(c, tx, new AuditEntry(id, caller.Actor, "membership.set", "user", IdentityEndpoints.Id(user.Id), null, new { organisation = id, role = Roles.Name(role) }));
            return TypedResults.Ok(await IdentityStore.GetMemberAsync(c, id, user.Id, tx));
        }, ct);
    }

    public static bool ValidUsername(string s) => s.Length is > 0 and <= 64 && s.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '.' or '_' or '-' or '@');
}
