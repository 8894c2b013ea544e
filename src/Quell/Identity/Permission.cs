namespace Quell.Identity;

/// <summary>What an endpoint needs. Every endpoint declares exactly one (or is explicitly anonymous / any signed-in user).</summary>
public enum Permission
{
    /// <summary>Any signed-in user of the organisation (own profile, own API keys).</summary>
    Authenticated,
    AlertRead,
    AlertWrite,
    CaseRead,
    CaseWrite,
    /// <summary>Approve playbook steps (used by later capabilities).</summary>
    Approve,
    TemplateManage,
    UserManage,
    AuditRead,
    /// <summary>See and retry background jobs (platform-wide): platform administrators only.</summary>
    JobManage,
    /// <summary>Create and edit organisations: platform administrators only, whatever their role.</summary>
    OrganisationManage,
    /// <summary>Search and view indicators, look values up, export (threat intelligence).</summary>
    IntelRead,
    /// <summary>Add, edit and import indicators; record sightings.</summary>
    IntelWrite,
    /// <summary>Add, edit, pull and remove feeds; manage warninglists and sharing collections.</summary>
    FeedManage,
    /// <summary>Search events.</summary>
    EventRead,
    /// <summary>Send events through the API (`quell ingest`).</summary>
    EventWrite,
    /// <summary>Create, list and revoke ingest (HEC) tokens and set sources' retention.</summary>
    IngestManage,
    /// <summary>Run analyzers on observables and see the analyzers (enrichment).</summary>
    Analyze,
    /// <summary>Configure analyzers: enable, base URL, API keys, limits.</summary>
    AnalyzerManage,
}

public static class RolePermissions
{
    static readonly Permission[] ReadOnly = [Permission.Authenticated, Permission.AlertRead, Permission.CaseRead, Permission.IntelRead, Permission.EventRead];
    static readonly Permission[] Analyst = [.. ReadOnly, Permission.AlertWrite, Permission.CaseWrite, Permission.IntelWrite, Permission.EventWrite, Permission.Analyze];
    static readonly Permission[] Approver = [.. Analyst, Permission.Approve];
    static readonly Permission[] Admin = [.. Approver, Permission.TemplateManage, Permission.UserManage, Permission.AuditRead, Permission.FeedManage, Permission.IngestManage, Permission.AnalyzerManage];

    public static bool Allows(Role role, bool platformAdmin, Permission p) =>
        p is Permission.OrganisationManage or Permission.JobManage
            ? platformAdmin
            : Of(role).Contains(p);

    public static IReadOnlyList<Permission> Of(Role role) => role switch
    {
        Role.ReadOnly => ReadOnly,
        Role.Analyst => Analyst,
        Role.Approver => Approver,
        Role.Admin => Admin,
        _ => [],
    };
}
