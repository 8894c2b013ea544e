using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quell.Audit;
using Quell.Http;
using Quell.Identity;
using Quell.Storage;

namespace Quell.Intel.Taxii;

/// <summary>
/// Admin API of the TAXII server's collections: <c>/api/v1/taxii/collections</c> lists them (the built-in indicators
/// collection too), creates writable collections with the roles that may read and write them, and deletes them with
/// their objects. Needs FeedManage (admins).
/// </summary>
public static partial class TaxiiCollectionEndpoints
{
    public static IEndpointRouteBuilder MapTaxiiCollectionEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/taxii/collections").WithTags("TAXII");
        g.MapGet("", List).RequirePermission(Permission.FeedManage).WithSummary("TAXII collections of the organisation, the built-in indicators collection first");
        g.MapPost("", Create).RequirePermission(Permission.FeedManage)
            .WithSummary("Create a TAXII collection: title, description, alias, canRead and canWrite (role names)");
        g.MapDelete("/{id:long}", Delete).RequirePermission(Permission.FeedManage).WithSummary("Delete a created collection and its objects");
        return app;
    }

    static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    static object View(TaxiiCollection c) => new
    {
        id = c.IsIndicators ? (long?)null : c.Id,
        taxiiId = c.Uuid,
        c.Title,
        c.Description,
        c.Alias,
        kind = c.IsIndicators ? "indicators" : "objects",
        canRead = c.ReadRoles.Select(Roles.Name),
        canWrite = c.WriteRoles.Select(Roles.Name),
        url = $"{TaxiiEndpoints.ApiRoot}collections/{c.Uuid}/",
    };

    static async Task<IResult> List(Caller caller, Db db, CancellationToken ct) =>
        TypedResults.Ok(new { items = (await db.ReadAsync(c => TaxiiCollectionStore.ListAsync(c, caller.OrgId), ct)).Select(View) });

    static async Task<IResult> Create(HttpRequest request, Caller caller, Db db, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var (doc, error) = await JsonBody.ReadAsync(request, JsonBody.DefaultMaxBytes, ct);
        if (error is not null)
            return error;
        using var _ = doc;
        var errors = new InputErrors();
        var f = JsonFields.ForObject(doc!.RootElement, errors);
        var title = f?.String("title", required: true, maxLength: 256)?.Trim();
        var description = f?.String("description", maxLength: 4096, allowEmpty: true) ?? "";
        var alias = f?.String("alias", maxLength: 64);
        if (alias is not null && !AliasPattern().IsMatch(alias))
            errors.Add("alias", "alias may hold lower-case letters, digits and '-' only");
        var canRead = RolesOf(f, "canRead", Roles.All, errors);
        var canWrite = RolesOf(f, "canWrite", [Role.Analyst, Role.Approver, Role.Admin], errors);
        if (canWrite.Contains(Role.ReadOnly))
            errors.Add("canWrite", "the read-only role cannot write: adding objects imports indicators, which needs IntelWrite");
        if (f is null || errors.Any)
            return Problems.Invalid(errors);
        var collection = new TaxiiCollection(0, Guid.NewGuid().ToString(), title!, description, alias, canRead, canWrite);
        return await db.WriteAsync<IResult>(async (c, tx) =>
        {
            if (await TaxiiCollectionStore.TitleTakenAsync(c, tx, caller.OrgId, collection.Title) || collection.Title == TaxiiCollection.Indicators.Title)
                return Problems.Conflict($"a TAXII collection titled '{collection.Title}' exists already");
            var id = await TaxiiCollectionStore.InsertAsync(c, tx, caller.OrgId, collection, caller.Actor, time.GetUtcNow().ToUnixTimeMilliseconds());
            var created = collection with { Id = id };
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "taxii.collection.create", "taxii-collection", Id(id), null, View(created)));
            return TypedResults.Created($"/api/v1/taxii/collections/{id}", View(created));
        }, ct);
    }

    static async Task<IResult> Delete(long id, Caller caller, Db db, AuditLog audit, CancellationToken ct)
    {
        var deleted = await db.WriteAsync(async (c, tx) =>
        {
            var existing = await TaxiiCollectionStore.GetAsync(c, caller.OrgId, id, tx);
            if (existing is null || !await TaxiiCollectionStore.DeleteAsync(c, tx, caller.OrgId, id))
                return false;
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "taxii.collection.delete", "taxii-collection", Id(id), View(existing), null));
            return true;
        }, ct);
        return deleted ? TypedResults.NoContent() : Problems.NotFound("TAXII collection", id);
    }

    static IReadOnlyList<Role> RolesOf(JsonFields? f, string name, IReadOnlyList<Role> fallback, InputErrors errors)
    {
        if (f?.Strings(name, maxItems: 10, maxLength: 32) is not { } names)
            return fallback;
        var roles = new List<Role>();
        foreach (var n in names)
        {
            if (Roles.TryParse(n, out var role))
            {
                if (!roles.Contains(role))
                    roles.Add(role);
            }
            else
                errors.Add(name, $"'{IndicatorNormalizer.Printable(n)}' is not a role; roles are {Roles.AllowedList}");
        }
        return roles;
    }

    [GeneratedRegex("^[a-z0-9-]{1,64}$")]
    private static partial Regex AliasPattern();
}
