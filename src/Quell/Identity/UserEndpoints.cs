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
        users.MapGet("/{id:long}/api-keys", ListKeys).RequirePermission(Permission.UserManage)
            .WithSummary("API keys of a user acting in this organisation (never their values)");
        users.MapDelete("/{id:long}/api-keys/{keyId:long}", RevokeKey).RequirePermission(Permission.UserManage)
            .WithSummary("Revoke an API key of a user of this organisation");

        var orgs = app.MapGroup("/api/v1/organisations").WithTags("Organisations");
        orgs.MapGet("", (IdentityStore identity, CancellationToken ct) => identity.ListOrganisationsAsync(ct))
            .RequirePermission(Permission.OrganisationManage).WithSummary("All organisations");
        orgs.MapPost("", CreateOrganisation).RequirePermission(Permission.OrganisationManage).WithSummary("Create an organisation");
        orgs.MapPatch("/{id:long}", UpdateOrganisation).RequirePermission(Permission.OrganisationManage).WithSummary("Change an organisation's description");
        orgs.MapPost("/{id:long}/members", AddMember).RequirePermission(Permission.OrganisationManage)
            .WithSummary("Give an existing user a role in an organisation");
        return app;
    }

    static async Task<IResult> Create(HttpRequest request, Caller caller, UserAdmin admin, CancellationToken ct)
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
        var role = Role.ReadOnly;
        if (roleName is not null && !Roles.TryParse(roleName, out role))
            errors.Add("role", $"role must be one of {Roles.AllowedList}");
        if (errors.Any)
            return Problems.Invalid(errors);
        var result = await admin.CreateUserAsync(caller, username!, displayName, password, role, ct);
        return result.Failure is { } failure ? Problem(failure) : TypedResults.Created($"/api/v1/users/{result.Value!.Id}", result.Value);
    }

    static async Task<IResult> ListKeys(long id, Caller caller, UserAdmin admin, CancellationToken ct)
    {
        var result = await admin.ListKeysAsync(caller, id, ct);
        return result.Failure is { } failure ? Problem(failure) : TypedResults.Ok(result.Value);
    }

    static async Task<IResult> RevokeKey(long id, long keyId, Caller caller, UserAdmin admin, CancellationToken ct) =>
        (await admin.RevokeKeyAsync(caller, id, keyId, ct)).Failure is { } failure ? Problem(failure) : TypedResults.NoContent();

    static async Task<IResult> Get(long id, Caller caller, Db db, CancellationToken ct)
    {
        var member = await db.ReadAsync(c => IdentityStore.GetMemberAsync(c, caller.OrgId, id), ct);
        return member is null ? Problems.NotFound("user", id) : TypedResults.Ok(member);
    }

    static async Task<IResult> Update(long id, HttpRequest request, Caller caller, UserAdmin admin, CancellationToken ct)
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
        if (errors.Any)
            return Problems.Invalid(errors);
        var result = await admin.UpdateUserAsync(caller, id, new UserChange(displayName, role, disabled, password), ct);
        return result.Failure is { } failure ? Problem(failure) : TypedResults.Ok(result.Value);
    }

    static async Task<IResult> Remove(long id, Caller caller, UserAdmin admin, CancellationToken ct) =>
        (await admin.RemoveUserAsync(caller, id, ct)).Failure is { } failure ? Problem(failure) : TypedResults.NoContent();

    static async Task<IResult> CreateKey(long id, HttpRequest request, Caller caller, UserAdmin admin, CancellationToken ct) =>
        await IdentityEndpoints.CreateKeyFor(request, id, caller, admin, ct);

    static async Task<IResult> CreateOrganisation(HttpRequest request, Caller caller, UserAdmin admin, CancellationToken ct)
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
        var result = await admin.CreateOrganisationAsync(caller, name!, description, ct);
        return result.Failure is { } failure ? Problem(failure) : TypedResults.Created($"/api/v1/organisations/{result.Value!.Id}", result.Value);
    }

    static async Task<IResult> UpdateOrganisation(long id, HttpRequest request, Caller caller, UserAdmin admin, CancellationToken ct)
    {
        var (doc, error) = await JsonBody.ReadAsync(request, 16 * 1024, ct);
        if (error is not null)
            return error;
        using var _ = doc;
        var errors = new InputErrors();
        var description = JsonFields.ForObject(doc!.RootElement, errors)?.String("description", required: true, maxLength: 4096, allowEmpty: true);
        if (errors.Any)
            return Problems.Invalid(errors);
        var result = await admin.SetOrganisationDescriptionAsync(caller, id, description!, ct);
        return result.Failure is { } failure ? Problem(failure) : TypedResults.Ok(result.Value);
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

    /// <summary>An account change refused by <see cref="UserAdmin"/>, as problem+json.</summary>
    internal static IResult Problem(AccountFailure failure) => failure.Kind switch
    {
        AccountFailureKind.NotFound => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: failure.Message),
        AccountFailureKind.Conflict => Problems.Conflict(failure.Message),
        AccountFailureKind.Forbidden => Problems.Forbidden(failure.Message),
        _ => Problems.Invalid(failure.Field, failure.Message),
    };

    public static bool ValidUsername(string s) => s.Length is > 0 and <= 64 && s.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '.' or '_' or '-' or '@');
}
