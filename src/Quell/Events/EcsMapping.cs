using System.Collections.Frozen;

namespace Quell.Events;

/// <summary>
/// Which source names mean which ECS field: the Windows EventData names of Sysmon and the Security log (kept as they
/// are, since Sigma rules use them), and a few common names of plain JSON logs. The original field stays; the ECS name
/// is added beside it when the event does not carry that ECS field already.
/// </summary>
static class EcsMapping
{
    /// <summary>Windows EventData (and System) name → ECS name.</summary>
    public static readonly IReadOnlyDictionary<string, string> Windows = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Image"] = "process.executable",
        ["CommandLine"] = "process.command_line",
        ["ProcessId"] = "process.pid",
        ["ProcessGuid"] = "process.entity_id",
        ["CurrentDirectory"] = "process.working_directory",
        ["IntegrityLevel"] = "process.integrity_level",
        ["OriginalFileName"] = "process.pe.original_file_name",
        ["Company"] = "process.pe.company",
        ["Product"] = "process.pe.product",
        ["Description"] = "process.pe.description",
        ["FileVersion"] = "process.pe.file_version",
        ["ParentImage"] = "process.parent.executable",
        ["ParentCommandLine"] = "process.parent.command_line",
        ["ParentProcessId"] = "process.parent.pid",
        ["ParentProcessGuid"] = "process.parent.entity_id",
        ["ParentUser"] = "process.parent.user.name",
        ["ProcessName"] = "process.executable",
        ["SourceImage"] = "process.executable",
        ["SourceProcessId"] = "process.pid",
        ["TargetImage"] = "process.target.executable",
        ["TargetProcessId"] = "process.target.pid",
        ["ImageLoaded"] = "dll.path",
        ["TargetFilename"] = "file.path",
        ["TargetObject"] = "registry.path",
        ["Details"] = "registry.data.strings",
        ["LogonId"] = "winlog.logon.id",
        ["TargetUserName"] = "user.target.name",
        ["TargetDomainName"] = "user.target.domain",
        ["SubjectUserName"] = "user.name",
        ["SubjectDomainName"] = "user.domain",
        ["SubjectUserSid"] = "user.id",
        ["TargetUser"] = "user.target.name",
        ["SourceUser"] = "user.name",
        ["UserName"] = "user.name",
        ["IpAddress"] = "source.ip",
        ["IpPort"] = "source.port",
        ["SourceIp"] = "source.ip",
        ["SourcePort"] = "source.port",
        ["SourceHostname"] = "source.domain",
        ["DestinationIp"] = "destination.ip",
        ["DestinationPort"] = "destination.port",
        ["DestinationHostname"] = "destination.domain",
        ["Protocol"] = "network.transport",
        ["QueryName"] = "dns.question.name",
        ["QueryResults"] = "dns.answers.data",
        ["TargetServerName"] = "destination.domain",
        ["WorkstationName"] = "source.domain",
        ["TaskName"] = "winlog.task_name",
        ["EventID"] = "event.code",
        ["Channel"] = "winlog.channel",
        ["Computer"] = "host.name",
        ["Provider_Name"] = "event.provider",
    };

    /// <summary>Common non-ECS names of JSON logs → ECS name.</summary>
    public static readonly IReadOnlyDictionary<string, string> Json = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["src_ip"] = "source.ip",
        ["src"] = "source.ip",
        ["srcip"] = "source.ip",
        ["src_port"] = "source.port",
        ["dst_ip"] = "destination.ip",
        ["dest_ip"] = "destination.ip",
        ["dst"] = "destination.ip",
        ["dest"] = "destination.ip",
        ["dstip"] = "destination.ip",
        ["dst_port"] = "destination.port",
        ["dest_port"] = "destination.port",
        ["client_ip"] = "client.ip",
        ["remote_addr"] = "source.ip",
        ["hostname"] = "host.name",
        ["username"] = "user.name",
        ["user"] = "user.name",
        ["url"] = "url.original",
        ["uri"] = "url.original",
        ["md5"] = "file.hash.md5",
        ["sha1"] = "file.hash.sha1",
        ["sha256"] = "file.hash.sha256",
        ["query"] = "dns.question.name",
        ["from"] = "email.from.address",
        ["to"] = "email.to.address",
        ["subject"] = "email.subject",
        ["message_id"] = "email.message_id",
        ["process"] = "process.name",
        ["pid"] = "process.pid",
        ["cmdline"] = "process.command_line",
    };

    /// <summary>The ECS names whose values go to related.ip / related.hosts / related.user; hashes are found by their prefix.</summary>
    public static readonly HashSet<string> IpFields = ["source.ip", "destination.ip", "client.ip", "server.ip", "host.ip", "source.nat.ip", "destination.nat.ip", "dns.resolved_ip"];

    public static readonly HashSet<string> HostFields =
    [
        "host.name", "host.hostname", "source.domain", "destination.domain", "client.domain", "server.domain", "url.domain",
        "dns.question.name", "observer.hostname", "agent.hostname",
    ];

    public static readonly HashSet<string> UserFields =
    [
        "user.name", "user.target.name", "user.effective.name", "process.user.name", "process.parent.user.name", "source.user.name",
        "destination.user.name", "email.from.address", "email.to.address", "email.sender.address",
    ];

    /// <summary>
    /// Every name above with what it means, found with one lookup per field instead of one per map and set: the
    /// normalizer asks it of every field of every event (decision 219).
    /// </summary>
    public static readonly FrozenDictionary<string, FieldRole> Roles = BuildRoles();

    static FrozenDictionary<string, FieldRole> BuildRoles()
    {
        var roles = new Dictionary<string, FieldRole>(StringComparer.Ordinal);
        FieldRole Of(string name) => roles.TryGetValue(name, out var r) ? r : roles[name] = new FieldRole();
        foreach (var (name, ecs) in Json)
            Of(name).JsonAlias = ecs;
        foreach (var (name, ecs) in Windows)
            Of(name).WindowsAlias = ecs;
        foreach (var (set, kind) in (ReadOnlySpan<(HashSet<string>, RelatedKind)>)[(IpFields, RelatedKind.Ip), (HostFields, RelatedKind.Host), (UserFields, RelatedKind.User)])
            foreach (var name in set)
                Of(name).Related = kind;
        foreach (var (name, kind) in (ReadOnlySpan<(string, RelatedKind)>)[("related.ip", RelatedKind.Ip), ("related.hosts", RelatedKind.Host), ("related.hash", RelatedKind.Hash), ("related.user", RelatedKind.User)])
            Of(name).Given = kind;
        return roles.ToFrozenDictionary(StringComparer.Ordinal);
    }
}

/// <summary>Which related.* list a field's values go to.</summary>
enum RelatedKind { None, Ip, Host, Hash, User }

/// <summary>What one field name means to the normalizer (<see cref="EcsMapping.Roles"/>).</summary>
sealed class FieldRole
{
    /// <summary>The ECS name added beside it in a JSON log (<see cref="EcsMapping.Json"/>).</summary>
    public string? JsonAlias { get; set; }

    /// <summary>The ECS name added beside it in a Windows event (<see cref="EcsMapping.Windows"/>).</summary>
    public string? WindowsAlias { get; set; }

    /// <summary>The related.* list its values go to, canonicalized (an IP's canonical text, a host in lower case...).</summary>
    public RelatedKind Related { get; set; }

    /// <summary>For the related.* fields themselves: the list their values join as they are.</summary>
    public RelatedKind Given { get; set; }
}
