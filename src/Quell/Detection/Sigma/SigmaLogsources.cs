using System.Collections.Frozen;

namespace Quell.Detection.Sigma;

/// <summary>
/// Derives an event's log source from its fields: Windows channels and event ids (THOR's field mapping for Sysmon,
/// Security 4688, PowerShell, Defender ...), Sysmon for Linux, auditd, and ECS <c>event.category</c>.
/// </summary>
public static class SigmaLogsources
{
    static readonly FrozenDictionary<string, string> WindowsServices = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["Application"] = "application",
        ["Security"] = "security",
        ["System"] = "system",
        ["Microsoft-Windows-NTLM/Operational"] = "ntlm",
        ["Microsoft-Windows-Sysmon/Operational"] = "sysmon",
        ["Microsoft-Windows-PowerShell/Operational"] = "powershell",
        ["PowerShellCore/Operational"] = "powershell",
        ["Windows PowerShell"] = "powershell-classic",
        ["Microsoft-Windows-TaskScheduler/Operational"] = "taskscheduler",
        ["Microsoft-Windows-WMI-Activity/Operational"] = "wmi",
        ["Microsoft-Windows-DHCP-Server/Operational"] = "dhcp",
        ["Microsoft-Windows-PrintService/Admin"] = "printservice-admin",
        ["Microsoft-Windows-PrintService/Operational"] = "printservice-operational",
        ["Microsoft-Windows-SmbClient/Security"] = "smbclient-security",
        ["Microsoft-Windows-SmbClient/Connectivity"] = "smbclient-connectivity",
        ["Microsoft-Windows-SMBServer/Connectivity"] = "smbserver-connectivity",
        ["Microsoft-Windows-TerminalServices-LocalSessionManager/Operational"] = "terminalservices-localsessionmanager",
        ["Microsoft-Windows-CodeIntegrity/Operational"] = "codeintegrity-operational",
        ["Microsoft-Windows-AppLocker/MSI and Script"] = "applocker",
        ["Microsoft-Windows-AppLocker/EXE and DLL"] = "applocker",
        ["Microsoft-Windows-AppLocker/Packaged app-Deployment"] = "applocker",
        ["Microsoft-Windows-AppLocker/Packaged app-Execution"] = "applocker",
        ["MSExchange Management"] = "msexchange-management",
        ["Microsoft-Windows-Windows Defender/Operational"] = "windefend",
        ["Microsoft-Windows-Windows Firewall With Advanced Security/Firewall"] = "firewall-as",
        ["Microsoft-Windows-Bits-Client/Operational"] = "bits-client",
        ["Microsoft-Windows-Security-Mitigations/Kernel Mode"] = "security-mitigations",
        ["Microsoft-Windows-Security-Mitigations/User Mode"] = "security-mitigations",
        ["Microsoft-Windows-Diagnosis-Scripted/Operational"] = "diagnosis-scripted",
        ["Microsoft-Windows-Shell-Core/Operational"] = "shell-core",
        ["OpenSSH/Operational"] = "openssh",
        ["Microsoft-Windows-LDAP-Client/Debug"] = "ldap",
        ["Microsoft-Windows-BitLocker/BitLocker Management"] = "bitlocker",
        ["Microsoft-Windows-VHDMP/Operational"] = "vhdmp",
        ["Microsoft-Windows-AppXDeploymentServer/Operational"] = "appxdeployment-server",
        ["Microsoft-Windows-LSA/Operational"] = "lsa-server",
        ["Microsoft-Windows-AppxPackaging/Operational"] = "appxpackaging-om",
        ["Microsoft-Windows-DNS Client Events/Operational"] = "dns-client",
        ["Microsoft-Windows-AppModel-Runtime/Admin"] = "appmodel-runtime",
        ["Microsoft-Windows-CAPI2/Operational"] = "capi2",
        ["Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational"] = "certificateservicesclient-lifecycle-system",
        ["Microsoft-Windows-Kernel-ShimEngine/Operational"] = "kernel-shimengine",
        ["Microsoft-Windows-Kernel-ShimEngine/Diagnostic"] = "kernel-shimengine",
        ["Microsoft-Windows-Application-Experience/Program-Telemetry"] = "application-experience",
        ["Microsoft-Windows-Application-Experience/Program-Compatibility-Assistant"] = "application-experience",
        ["Microsoft-Windows-Ntfs/Operational"] = "ntfs",
        ["Microsoft-Windows-Hyper-V-Worker"] = "hyper-v-worker",
        ["Microsoft-Windows-Kernel-EventTracing"] = "kernel-event-tracing",
        ["Microsoft-Windows-SENSE/Operational"] = "sense",
        ["Microsoft-ServiceBus-Client/Admin"] = "servicebus-client",
        ["Microsoft-ServiceBus-Client/Operational"] = "servicebus-client",
        ["Microsoft-IIS-Configuration/Operational"] = "iis-configuration",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    static readonly FrozenDictionary<int, string[]> SysmonCategories = new Dictionary<int, string[]>
    {
        [1] = ["process_creation"],
        [2] = ["file_change"],
        [3] = ["network_connection"],
        [4] = ["sysmon_status"],
        [5] = ["process_termination"],
        [6] = ["driver_load"],
        [7] = ["image_load"],
        [8] = ["create_remote_thread"],
        [9] = ["raw_access_thread"],
        [10] = ["process_access"],
        [11] = ["file_event"],
        [12] = ["registry_event"],
        [13] = ["registry_event", "registry_set"],
        [14] = ["registry_event", "registry_rename"],
        [15] = ["create_stream_hash"],
        [16] = ["sysmon_status"],
        [17] = ["pipe_created"],
        [18] = ["pipe_created"],
        [19] = ["wmi_event"],
        [20] = ["wmi_event"],
        [21] = ["wmi_event"],
        [22] = ["dns_query"],
        [23] = ["file_delete"],
        [24] = ["clipboard_change"],
        [25] = ["process_tampering"],
        [26] = ["file_delete_detected"],
        [27] = ["file_block_executable"],
        [28] = ["file_block_shredding"],
        [29] = ["file_executable_detected"],
        [255] = ["sysmon_error"],
    }.ToFrozenDictionary();

    static readonly FrozenSet<int> DefenderAntivirus = FrozenSet.ToFrozenSet([1006, 1007, 1008, 1009, 1010, 1011, 1012, 1017, 1018, 1019, 1115, 1116]);

    static readonly FrozenSet<string> AuditdTypes = FrozenSet.ToFrozenSet(
        ["SYSCALL", "EXECVE", "PATH", "CWD", "PROCTITLE", "USER_CMD", "USER_LOGIN", "USER_AUTH", "CONFIG_CHANGE", "SERVICE_START", "SOCKADDR", "ADD_USER"],
        StringComparer.OrdinalIgnoreCase);

    static readonly ConcurrentCache Cache = new();

    /// <summary>The log source of an event, from the fields Windows, Sysmon for Linux, auditd and ECS events carry.</summary>
    public static SigmaEventLogsource Derive(Func<string, string?> field)
    {
        var channel = field("Channel");
        var eventId = int.TryParse(field("EventID"), out var id) ? id : -1;
        if (channel is not null)
        {
            if (channel.Equals("Linux-Sysmon/Operational", StringComparison.OrdinalIgnoreCase))
                return Cache.Get("linux", "sysmon", eventId switch
                {
                    1 => ["process_creation"],
                    3 => ["network_connection"],
                    5 => ["process_termination"],
                    11 => ["file_event"],
                    23 => ["file_delete"],
                    _ => [],
                });
            var service = WindowsServices.GetValueOrDefault(channel, "");
            string[] categories = service switch
            {
                "sysmon" when eventId == 12 => field("EventType") switch
                {
                    { } t when t.Equals("CreateKey", StringComparison.OrdinalIgnoreCase) => ["registry_event", "registry_add"],
                    { } t when t.StartsWith("Delete", StringComparison.OrdinalIgnoreCase) => ["registry_event", "registry_delete"],
                    _ => ["registry_event"],
                },
                "sysmon" => SysmonCategories.GetValueOrDefault(eventId, []),
                "security" when eventId == 4688 => ["process_creation"],
                "powershell" when eventId == 4103 => ["ps_module"],
                "powershell" when eventId == 4104 => ["ps_script"],
                "powershell-classic" when eventId == 400 => ["ps_classic_start"],
                "powershell-classic" when eventId == 600 => ["ps_classic_provider_start"],
                "powershell-classic" when eventId == 800 => ["ps_classic_script"],
                "windefend" when DefenderAntivirus.Contains(eventId) => ["antivirus"],
                _ => [],
            };
            return Cache.Get("windows", service, categories);
        }
        if (field("type") is { } auditType && AuditdTypes.Contains(auditType))
            return Cache.Get("linux", "auditd", []);
        var ecsCategory = field("event.category");
        if (ecsCategory is not null)
        {
            var product = field("host.os.type") ?? field("host.os.family") ?? field("os.type");
            var type = field("event.type");
            string? category = ecsCategory.ToLowerInvariant() switch
            {
                "process" when type is null || type.Contains("start", StringComparison.OrdinalIgnoreCase) => "process_creation",
                "network" => "network_connection",
                "file" => "file_event",
                "registry" => "registry_event",
                "driver" => "driver_load",
                "library" => "image_load",
                _ => null,
            };
            if (field("dns.question.name") is not null)
                category = "dns_query";
            return Cache.Get(product?.ToLowerInvariant(), null, category is null ? [] : [category]);
        }
        return SigmaEventLogsource.Unknown;
    }

    /// <summary>
    /// Interns log sources so that the engine's per-source rule sets are found by reference. Looked up by its parts, so
    /// that an event whose source is already known allocates no key.
    /// </summary>
    sealed class ConcurrentCache
    {
        readonly System.Collections.Concurrent.ConcurrentDictionary<Parts, SigmaEventLogsource> _items = new();

        public SigmaEventLogsource Get(string? product, string? service, string[]? categories) =>
            _items.TryGetValue(new Parts(product, service, categories), out var known) ? known : Add(product, service, categories);

        SigmaEventLogsource Add(string? product, string? service, string[]? categories)
        {
            var candidate = new SigmaEventLogsource(product, service, categories);
            return _items.GetOrAdd(new Parts(product, service, categories), candidate);
        }

        readonly record struct Parts(string? Product, string? Service, string[]? Categories)
        {
            public bool Equals(Parts other) =>
                Product == other.Product && Service == other.Service
                && (Categories is null ? other.Categories is null : other.Categories is not null && Categories.AsSpan().SequenceEqual(other.Categories));

            public override int GetHashCode()
            {
                var hash = HashCode.Combine(Product, Service, Categories is null);
                foreach (var c in Categories ?? [])
                    hash = HashCode.Combine(hash, c);
                return hash;
            }
        }
    }
}
