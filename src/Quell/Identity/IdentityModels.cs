namespace Quell.Identity;

public sealed class Organisation
{
    public long Id { get; set; }
    public string Name { get; set; } = "";
    public string Description { get; set; } = "";
    public long CreatedAt { get; set; }
}

public sealed class UserAccount
{
    public long Id { get; set; }
    public string Username { get; set; } = "";
    public string DisplayName { get; set; } = "";
    public string? PasswordHash { get; set; }
    public bool PlatformAdmin { get; set; }
    public bool Disabled { get; set; }
    public int FailedLogins { get; set; }
    public long? LockedUntil { get; set; }
    public long CreatedAt { get; set; }
    public long UpdatedAt { get; set; }
}

/// <summary>A user as seen from one organisation.</summary>
public sealed class Member
{
    public long Id { get; set; }
    public string Username { get; set; } = "";
    public string DisplayName { get; set; } = "";
    public string Role { get; set; } = "";
    public bool PlatformAdmin { get; set; }
    public bool Disabled { get; set; }
    public long? LockedUntil { get; set; }
    public long CreatedAt { get; set; }
}

public sealed class ApiKeyInfo
{
    public long Id { get; set; }
    public long UserId { get; set; }
    public long OrgId { get; set; }
    public string Name { get; set; } = "";
    public string Prefix { get; set; } = "";
    public long CreatedAt { get; set; }
    public long? LastUsedAt { get; set; }
    public long? RevokedAt { get; set; }
}

public sealed class IdentityOptions
{
    /// <summary>Failed password attempts before the account is locked.</summary>
    public int MaxFailedLogins { get; set; } = 5;

    /// <summary>How long a locked account stays locked.</summary>
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Shortest password accepted.</summary>
    public int MinPasswordLength { get; set; } = 10;
}

public enum LoginOutcome
{
    Success,
    InvalidCredentials,
    LockedOut,
    Disabled,
    NoOrganisation,
}

public sealed record LoginResult(LoginOutcome Outcome, UserAccount? User = null, long? LockedUntil = null);
