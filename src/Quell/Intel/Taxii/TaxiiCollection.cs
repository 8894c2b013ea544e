using Quell.Intel.Export;
using Quell.Identity;

namespace Quell.Intel.Taxii;

/// <summary>
/// A TAXII collection of one organisation. The built-in one (<see cref="Indicators"/>) serves the organisation's active
/// indicators as STIX and takes no writes; the others are created by an admin and hold the STIX objects posted to
/// them, readable and writable by the roles they name. Reading needs IntelRead and writing IntelWrite as well (a POST
/// imports the indicators it carries).
/// </summary>
public sealed record TaxiiCollection(long Id, string Uuid, string Title, string Description, string? Alias, IReadOnlyList<Role> ReadRoles, IReadOnlyList<Role> WriteRoles)
{
    /// <summary>The built-in collection's id: the same in every organisation (the API root is the caller's organisation).</summary>
    public static readonly string IndicatorsUuid = StableUuid.For("taxii|collection|indicators").ToString();

    public static TaxiiCollection Indicators { get; } = new(0, IndicatorsUuid, "Indicators",
        "The organisation's active indicators (not suppressed, not expired) with a STIX pattern, TLP-marked; date_added is the indicator's last change",
        "indicators", Roles.All, []);

    public bool IsIndicators => Id == 0;

    public bool CanRead(Caller caller) => caller.Can(Permission.IntelRead) && ReadRoles.Contains(caller.Role);

    public bool CanWrite(Caller caller) => caller.Can(Permission.IntelWrite) && WriteRoles.Contains(caller.Role);

    /// <summary>Listed to a caller who may read or write it; the others do not exist for that caller (404).</summary>
    public bool Visible(Caller caller) => CanRead(caller) || CanWrite(caller);
}
