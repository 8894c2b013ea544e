using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Quell.Identity;
using Quell.Tests.Support;

namespace Quell.Tests.Security;

/// <summary>
/// Every endpoint of the running server × every kind of caller: the permission an endpoint declares is the one it
/// enforces, and refusals are problem+json. The endpoints come from the server itself, so a new endpoint is covered
/// the day it is mapped.
/// </summary>
public abstract partial class AccessMatrixTests(TestServer server)
{
    /// <summary>An endpoint; <see cref="Page"/> for web UI pages (Razor components), which send browsers to the login page.</summary>
    sealed record Route(string Method, string Pattern, string DisplayName, RequiresPermission? Permission, bool Public, bool Page)
    {
        public override string ToString() => $"{Method} {Pattern}";
    }

    /// <summary>A caller: its API key (null = no credentials), role and whether it is the platform administrator.</summary>
    sealed record Who(string Name, string? Key, Role Role, bool PlatformAdmin);

    IReadOnlyList<Route> Routes() =>
        server.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => new Route(
                m,
                "/" + (e.RoutePattern.RawText ?? "").TrimStart('/'),
                e.DisplayName ?? "",
                e.Metadata.GetMetadata<RequiresPermission>() ??
                    (e.Metadata.GetMetadata<PagePermissionAttribute>() is { } page ? new RequiresPermission(page.Permission) : null),
                e.Metadata.GetMetadata<PublicEndpoint>() is not null || e.Metadata.GetMetadata<PublicPageAttribute>() is not null ||
                    // MapStaticAssets serves wwwroot files missing from its manifest through this fallback when running
                    // from a build output; it is mapped outside the conventions Quell can attach metadata to.
                    e.DisplayName == "Fallback {**path:file}",
                e.Metadata.GetMetadata<Microsoft.AspNetCore.Components.Endpoints.ComponentTypeMetadata>() is not null)))
            .OrderBy(r => r.Pattern, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal)
            .ToList();

    [Fact]
    public void Every_endpoint_declares_a_permission_or_is_explicitly_public()
    {
        var routes = Routes();
        Assert.True(routes.Count > 20, $"only {routes.Count} endpoints found; is the data source the right one?");
        var offenders = routes.Where(r => r.Permission is null && !r.Public).Select(r => $"{r} ({r.DisplayName})").ToList();
        var both = routes.Where(r => r.Permission is not null && r.Public).Select(r => r.ToString()).ToList();
        Assert.True(offenders.Count == 0, "endpoints without RequirePermission or Public: " + string.Join(", ", offenders));
        Assert.True(both.Count == 0, "endpoints that are both public and permission-guarded: " + string.Join(", ", both));
    }

    [Theory]
    [InlineData("GET", "/api/v1/indicators/{id:long}/matches", Permission.IntelRead)]
    [InlineData("GET", "/api/v1/feeds/catalogue", Permission.IntelRead)]
    [InlineData("POST", "/api/v1/feeds/catalogue/{entryId}", Permission.FeedManage)]
    [InlineData("GET", "/intel/feeds/catalogue", Permission.IntelRead)]
    public void An_endpoint_declares_the_permission_its_data_needs(string method, string pattern, Permission permission)
    {
        // "Where an indicator matched" names alerts and cases, but it is the indicator's page: intel readers see it, as
        // they see the indicator itself (every role has AlertRead and CaseRead too).
        // The catalogue is public knowledge plus which feeds the organisation has: intel readers see it; making a feed
        // of an entry is feed management, as POST /api/v1/feeds is.
        var route = Assert.Single(Routes(), r => r.Method == method && r.Pattern == pattern);
        Assert.Equal(permission, route.Permission?.Permission);
    }

    [Fact]
    public async Task Every_endpoint_answers_each_caller_as_its_role_allows()
    {
        var callers = new List<Who>
        {
            new("anonymous", null, Role.ReadOnly, false),
            new("read-only", await server.CreateUserKeyAsync("read-only"), Role.ReadOnly, false),
            new("analyst", await server.CreateUserKeyAsync("analyst"), Role.Analyst, false),
            new("approver", await server.CreateUserKeyAsync("approver"), Role.Approver, false),
            new("admin", await server.CreateUserKeyAsync("admin"), Role.Admin, false),
            new("platform admin", TestServer.AdminKey, Role.Admin, true),
        };
        var routes = Routes();
        var mismatches = new List<string>();
        var checkedCount = 0;
        foreach (var route in routes)
        {
            foreach (var who in callers)
            {
                using var client = server.Client(who.Key);
                using var response = await client.SendAsync(Request(route));
                var status = (int)response.StatusCode;
                var body = await response.Content.ReadAsStringAsync();
                checkedCount++;
                string? expected;
                // The receivers (Splunk HEC, Elasticsearch _bulk, OTLP) authenticate with ingest tokens, not API keys: every
                // caller here is refused, with the status and body the shipper's protocol documents.
                var hec = route.Pattern.StartsWith("/services/collector", StringComparison.Ordinal) || route.Pattern.StartsWith("/es", StringComparison.Ordinal)
                    || route.Pattern == "/v1/logs";
                if (hec)
                    expected = status is 401 or 403 && (route.Method == "HEAD" || body.Contains("\"code\":", StringComparison.Ordinal) || body.Contains("\"status\":401", StringComparison.Ordinal))
                        ? null : "401 or 403 with the protocol's reply";
                else if (route.Public)
                    expected = status is 401 or 403 ? "neither 401 nor 403 (public)" : null;
                else if (who.Key is null && route.Page && route.Method == "GET")
                    expected = status == 302 && response.Headers.Location?.ToString().Contains("/login?ReturnUrl=", StringComparison.Ordinal) == true
                        ? null : "302 to the login page";
                else if (who.Key is null)
                    expected = status == 401 ? null : "401";
                else if (!RolePermissions.Allows(who.Role, who.PlatformAdmin, route.Permission!.Permission))
                    expected = status == 403 ? null : $"403 (lacks {route.Permission.Permission})";
                else
                    expected = status is 401 or 403 ? $"neither 401 nor 403 (has {route.Permission.Permission})" : null;
                if (status >= 500)
                    expected = (expected ?? "") + " and never 5xx";
                // The TAXII server answers with TAXII error messages, which TAXII clients read; the rest of the API with problem+json.
                var taxii = route.Pattern.StartsWith("/taxii2/", StringComparison.Ordinal);
                if (status is 401 or 403 && !route.Page && !hec && !(taxii ? IsTaxiiError(response) : Problem.IsProblemJson(response)))
                    expected = (expected ?? $"{status}") + (taxii ? " as a TAXII error message" : " as problem+json");
                if (expected is not null)
                    mismatches.Add($"{route} as {who.Name}: expected {expected}, got {status} '{response.Content.Headers.ContentType}' {Short(body)}");
            }
        }
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {checkedCount} checks failed:\n" + string.Join("\n", mismatches));
    }

    static HttpRequestMessage Request(Route route)
    {
        var path = RouteParameter().Replace(route.Pattern, "999999");
        var request = new HttpRequestMessage(new HttpMethod(route.Method), path);
        if (route.Method is not ("GET" or "HEAD"))
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        return request;
    }

    static bool IsTaxiiError(HttpResponseMessage response) => response.Content.Headers.ContentType?.ToString().Replace(" ", "") == "application/taxii+json;version=2.1";

    static string Short(string s) => s.Length <= 300 ? s : s[..300] + "…";

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();
}

public sealed class AccessMatrixTestsOnSqlite(SqliteServer server) : AccessMatrixTests(server), IClassFixture<SqliteServer>;

public sealed class AccessMatrixTestsOnPostgres(PostgresServer server) : AccessMatrixTests(server), IClassFixture<PostgresServer>;
