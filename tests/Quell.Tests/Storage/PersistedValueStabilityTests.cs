using System.Reflection;
using Quell.Alerts;
using Quell.Cases;
using Quell.Identity;
using Quell.Jobs;
using Quell.Observables;

namespace Quell.Tests.Storage;

/// <summary>
/// Freezes every value Quell writes to the store (or to clients) by number or by name. Changing one silently changes
/// the meaning of rows already written: these lists may only grow. If a test here fails because a value was renamed
/// or renumbered on purpose, write a migration that rewrites the stored rows rather than editing the expected value.
/// </summary>
public sealed class PersistedValueStabilityTests
{
    static readonly Dictionary<Tlp, int> TlpNumbers = new()
    {
        [Tlp.Clear] = 0,
        [Tlp.Green] = 1,
        [Tlp.Amber] = 2,
        [Tlp.AmberStrict] = 3,
        [Tlp.Red] = 4,
    };

    static readonly Dictionary<Tlp, string> TlpWireNames = new()
    {
        [Tlp.Clear] = "CLEAR",
        [Tlp.Green] = "GREEN",
        [Tlp.Amber] = "AMBER",
        [Tlp.AmberStrict] = "AMBER+STRICT",
        [Tlp.Red] = "RED",
    };

    static readonly Dictionary<Role, string> RoleNames = new()
    {
        [Role.ReadOnly] = "read-only",
        [Role.Analyst] = "analyst",
        [Role.Approver] = "approver",
        [Role.Admin] = "admin",
    };

    /// <summary>The public string constants of a "stored by name" class, by field name.</summary>
    static Dictionary<string, string> Constants(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue()!);

    [Fact]
    public void Tlp_numbers_are_frozen()
    {
        Assert.Equal(TlpNumbers.Keys.Order(), Enum.GetValues<Tlp>().Order());
        foreach (var (tlp, number) in TlpNumbers)
            Assert.True((int)tlp == number, $"Tlp.{tlp} is stored as {number}, now {(int)tlp}");
    }

    [Fact]
    public void Tlp_names_on_the_wire_are_frozen()
    {
        foreach (var (tlp, name) in TlpWireNames)
            Assert.Equal(name, TlpNames.Name(tlp));
    }

    [Fact]
    public void Alert_statuses_are_frozen()
    {
        Assert.Equal(new Dictionary<string, string>
        {
            ["New"] = "new",
            ["Updated"] = "updated",
            ["Ignored"] = "ignored",
            ["Imported"] = "imported",
            ["Resolved"] = "resolved",
        }, Constants(typeof(AlertStatus)));
        Assert.Equal(["new", "updated", "ignored", "imported", "resolved"], AlertStatus.All);
    }

    [Fact]
    public void Alert_flag_routes_are_frozen()
    {
        Assert.Equal(["read", "unread", "ignore", "unignore", "reopen"], Enum.GetValues<AlertFlag>().Select(f => f.ToString().ToLowerInvariant()));
    }

    [Fact]
    public void Case_statuses_are_frozen()
    {
        Assert.Equal(new Dictionary<string, string>
        {
            ["New"] = "new",
            ["InProgress"] = "in-progress",
            ["Resolved"] = "resolved",
        }, Constants(typeof(CaseStatus)));
        Assert.Equal(["new", "in-progress", "resolved"], CaseStatus.All);
    }

    [Fact]
    public void Case_resolutions_are_frozen()
    {
        Assert.Equal(new Dictionary<string, string>
        {
            ["TruePositive"] = "true-positive",
            ["FalsePositive"] = "false-positive",
            ["Benign"] = "benign",
            ["Duplicate"] = "duplicate",
            ["Indeterminate"] = "indeterminate",
        }, Constants(typeof(CaseResolution)));
        Assert.Equal(["true-positive", "false-positive", "benign", "duplicate", "indeterminate"], CaseResolution.All);
    }

    [Fact]
    public void Job_statuses_are_frozen()
    {
        Assert.Equal(new Dictionary<string, string>
        {
            ["Pending"] = "pending",
            ["Running"] = "running",
            ["Done"] = "done",
            ["Dead"] = "dead",
        }, Constants(typeof(JobStatus)));
    }

    [Fact]
    public void Role_names_are_frozen_and_parse_back()
    {
        Assert.Equal(RoleNames.Keys.Order(), Enum.GetValues<Role>().Order());
        Assert.Equal(RoleNames.Keys.Order(), Roles.All.Order());
        foreach (var (role, name) in RoleNames)
        {
            Assert.Equal(name, Roles.Name(role));
            Assert.True(Roles.TryParse(name, out var parsed));
            Assert.Equal(role, parsed);
        }
        Assert.Equal("admin, analyst, approver, read-only", Roles.AllowedList);
    }

    [Fact]
    public void Observable_type_names_are_frozen()
    {
        // Stored in alert_observables.data_type and case_observables.data_type.
        Assert.Equal(
            ["ip", "domain", "fqdn", "url", "mail", "mail-subject", "hash", "filename", "file", "hostname",
             "user-agent", "registry", "autonomous-system", "uri-path", "regexp", "other"],
            ObservableTypes.All);
    }
}
