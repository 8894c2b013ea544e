using System.Collections.Frozen;

namespace Quell.Detection.Sigma;

/// <summary>
/// Where a Sigma field name (Sysmon/Windows spelling, as SigmaHQ rules use) may be found under other names: ECS
/// dotted fields (an event store's normalized form), Winlogbeat's <c>winlog.*</c>, and Security 4688's names
/// (THOR's field mapping: <c>Image</c> is <c>NewProcessName</c>). The event's own name always wins.
/// </summary>
public static class SigmaFieldAliases
{
    static readonly FrozenDictionary<string, string[]> Aliases = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase)
    {
        ["CommandLine"] = ["process.command_line", "process.args"],
        ["Image"] = ["process.executable", "NewProcessName"],
        ["OriginalFileName"] = ["process.pe.original_file_name"],
        ["Product"] = ["process.pe.product"],
        ["Company"] = ["process.pe.company"],
        ["Description"] = ["process.pe.description"],
        ["ProcessId"] = ["process.pid", "NewProcessId"],
        ["ProcessGuid"] = ["process.entity_id"],
        ["CurrentDirectory"] = ["process.working_directory"],
        ["IntegrityLevel"] = ["winlog.event_data.IntegrityLevel", "MandatoryLabel"],
        ["ParentImage"] = ["process.parent.executable", "ParentProcessName"],
        ["ParentCommandLine"] = ["process.parent.command_line"],
        ["ParentProcessId"] = ["process.parent.pid"],
        ["ParentProcessGuid"] = ["process.parent.entity_id"],
        ["User"] = ["user.name", "SubjectUserName"],
        ["Hashes"] = ["process.hash.sha256", "file.hash.sha256"],
        ["TargetFilename"] = ["file.path"],
        ["ImageLoaded"] = ["dll.path", "file.path"],
        ["Signed"] = ["dll.code_signature.exists", "file.code_signature.exists"],
        ["Signature"] = ["dll.code_signature.subject_name", "file.code_signature.subject_name"],
        ["TargetObject"] = ["registry.path"],
        ["Details"] = ["registry.data.strings"],
        ["EventType"] = ["event.action"],
        ["DestinationIp"] = ["destination.ip"],
        ["DestinationPort"] = ["destination.port"],
        ["DestinationHostname"] = ["destination.domain"],
        ["SourceIp"] = ["source.ip"],
        ["SourcePort"] = ["source.port"],
        ["SourceHostname"] = ["source.domain"],
        ["Protocol"] = ["network.transport"],
        ["Initiated"] = ["network.direction"],
        ["QueryName"] = ["dns.question.name"],
        ["QueryResults"] = ["dns.answers.data"],
        ["PipeName"] = ["file.name"],
        ["SourceImage"] = ["process.executable"],
        ["TargetImage"] = ["target.process.executable"],
        ["ScriptBlockText"] = ["powershell.file.script_block_text"],
        ["Computer"] = ["host.name", "winlog.computer_name"],
        ["ComputerName"] = ["host.name"],
        ["EventID"] = ["event.code", "winlog.event_id", "EventId"],
        ["Channel"] = ["winlog.channel"],
        ["Provider_Name"] = ["winlog.provider_name", "event.provider"],
        ["ServiceName"] = ["service.name"],
        ["TargetUserName"] = ["user.target.name"],
        ["SubjectUserName"] = ["user.name"],
        ["IpAddress"] = ["source.ip"],
        ["WorkstationName"] = ["source.domain"],
        ["LogonType"] = ["winlog.logon.type"],
        // Linux (auditd and process creation through ECS).
        ["exe"] = ["process.executable"],
        ["comm"] = ["process.name"],
        ["cwd"] = ["process.working_directory"],
        ["uid"] = ["user.id"],
        ["c-uri"] = ["url.original"],
        ["cs-method"] = ["http.request.method"],
        ["c-useragent"] = ["user_agent.original"],
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    static readonly FrozenDictionary<string, string> EcsToSigma = Aliases
        .SelectMany(a => a.Value.Where(v => v.Contains('.')).Select(v => (Ecs: v, Sigma: a.Key)))
        .GroupBy(p => p.Ecs, StringComparer.OrdinalIgnoreCase)
        .ToFrozenDictionary(g => g.Key, g => g.First().Sigma, StringComparer.OrdinalIgnoreCase);

    /// <summary>Other names under which the Sigma field may appear (empty when none).</summary>
    public static IReadOnlyList<string> For(string sigmaField) =>
        Aliases.TryGetValue(sigmaField, out var names) ? names : [];

    /// <summary>The Sigma name of an ECS field (<c>process.command_line</c> → <c>CommandLine</c>), if it has one.</summary>
    public static string? SigmaNameOf(string ecsField) => EcsToSigma.GetValueOrDefault(ecsField);
}
