namespace Quell.Identity;

/// <summary>A user's role in one organisation. Stored by name (see <see cref="Roles"/>): never rename.</summary>
public enum Role
{
    ReadOnly,
    Analyst,
    Approver,
    Admin,
}

public static class Roles
{
    public static readonly IReadOnlyList<Role> All = [Role.ReadOnly, Role.Analyst, Role.Approver, Role.Admin];

    public static string Name(Role role) => role switch
    {
        Role.ReadOnly => "read-only",
        Role.Analyst => "analyst",
        Role.Approver => "approver",
        Role.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static bool TryParse(string? name, out Role role)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case "read-only" or "readonly" or "read_only": role = Role.ReadOnly; return true;
            case "analyst": role = Role.Analyst; return true;
            case "approver": role = Role.Approver; return true;
            case "admin": role = Role.Admin; return true;
            default: role = default; return false;
        }
    }

    public const string AllowedList = "admin, analyst, approver, read-only";
}
