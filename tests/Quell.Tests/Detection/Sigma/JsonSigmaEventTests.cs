using System.Text.Json;
using Quell.Detection.Sigma;

namespace Quell.Tests.Detection.Sigma;

public sealed class JsonSigmaEventTests
{
    static JsonSigmaEvent Event(string json) => new(JsonDocument.Parse(json).RootElement);

    static string? Text(JsonSigmaEvent e, string field) => e.TryGetValue(field, out var v) ? v.Text : null;

    [Fact]
    public void Windows_event_json_fields_are_reachable_by_sigma_names()
    {
        var e = Event("""
            {"Event": {"#attributes": {"xmlns": "x"},
              "System": {"Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon"}}, "EventID": 1,
                         "Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": "pc1"},
              "EventData": {"Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd /c ver"}}}
            """);
        Assert.Equal(@"C:\Windows\System32\cmd.exe", Text(e, "Image"));
        Assert.Equal("cmd /c ver", Text(e, "commandline"));
        Assert.Equal("1", Text(e, "EventID"));
        Assert.Equal("Microsoft-Windows-Sysmon", Text(e, "Provider_Name"));
        Assert.Equal("pc1", Text(e, "Computer"));
        Assert.Equal("cmd /c ver", Text(e, "Event.EventData.CommandLine"));
        Assert.Equal(new SigmaEventLogsource("windows", "sysmon", ["process_creation"]).Key, e.Logsource.Key);
    }

    [Fact]
    public void Security_4688_is_process_creation_with_thor_field_names()
    {
        var e = Event("""{"Event": {"System": {"EventID": 4688, "Channel": "Security"}, "EventData": {"NewProcessName": "C:\\x.exe", "ParentProcessName": "C:\\p.exe"}}}""");
        Assert.Equal(@"C:\x.exe", Text(e, "Image"));
        Assert.Equal(@"C:\p.exe", Text(e, "ParentImage"));
        Assert.Equal("process_creation", Assert.Single(e.Logsource.Categories!));
        Assert.Equal("security", e.Logsource.Service);
    }

    [Theory]
    [InlineData("Microsoft-Windows-PowerShell/Operational", 4104, "powershell", "ps_script")]
    [InlineData("Windows PowerShell", 400, "powershell-classic", "ps_classic_start")]
    [InlineData("Microsoft-Windows-Sysmon/Operational", 13, "sysmon", "registry_set")]
    [InlineData("Microsoft-Windows-Windows Defender/Operational", 1116, "windefend", "antivirus")]
    public void Windows_channels_and_ids_map_to_logsources(string channel, int id, string service, string category)
    {
        var e = Event("{\"Event\": {\"System\": {\"EventID\": " + id + ", \"Channel\": \"" + channel + "\"}, \"EventData\": {}}}");
        Assert.Equal(("windows", service), (e.Logsource.Product, e.Logsource.Service));
        Assert.Contains(category, e.Logsource.Categories!);
    }

    [Fact]
    public void Sysmon_registry_12_splits_by_event_type()
    {
        var e = Event("""{"Event": {"System": {"EventID": 12, "Channel": "Microsoft-Windows-Sysmon/Operational"}, "EventData": {"EventType": "DeleteValue"}}}""");
        Assert.Equal(["registry_event", "registry_delete"], e.Logsource.Categories);
    }

    [Fact]
    public void Ecs_events_answer_to_sigma_names_and_their_own()
    {
        var e = Event("""{"event": {"category": "process", "type": "start"}, "host": {"os": {"type": "linux"}}, "process": {"command_line": "curl x | sh", "executable": "/usr/bin/curl", "parent": {"executable": "/bin/bash"}}}""");
        Assert.Equal("curl x | sh", Text(e, "CommandLine"));
        Assert.Equal("/usr/bin/curl", Text(e, "Image"));
        Assert.Equal("/bin/bash", Text(e, "ParentImage"));
        Assert.Equal("curl x | sh", Text(e, "process.command_line"));
        Assert.Equal(("linux", "process_creation"), (e.Logsource.Product, Assert.Single(e.Logsource.Categories!)));
        Assert.Equal("CommandLine", SigmaFieldAliases.SigmaNameOf("process.command_line"));
    }

    [Fact]
    public void Ecs_flat_dotted_keys_work_too()
    {
        var e = Event("""{"process.command_line": "id", "event.category": "process"}""");
        Assert.Equal("id", Text(e, "CommandLine"));
        Assert.Equal("process_creation", Assert.Single(e.Logsource.Categories!));
    }

    [Fact]
    public void Auditd_and_winlogbeat_events_are_recognised()
    {
        Assert.Equal(("linux", "auditd"), (Event("""{"type": "EXECVE", "a0": "nc"}""").Logsource.Product, Event("""{"type": "SYSCALL"}""").Logsource.Service));
        var beat = Event("""{"winlog": {"channel": "Security", "event_id": 4688, "event_data": {"NewProcessName": "C:\\a.exe"}}}""");
        Assert.Equal(@"C:\a.exe", Text(beat, "Image"));
        Assert.Equal("process_creation", Assert.Single(beat.Logsource.Categories!));
    }

    [Fact]
    public void Event_files_may_be_ndjson_arrays_or_concatenated_objects()
    {
        Assert.Equal(2, SigmaEventReader.ReadAll("{\"a\":1}\n{\"a\":2}\n"u8).Count);
        Assert.Equal(2, SigmaEventReader.ReadAll("[{\"a\":1},{\"a\":2}]"u8).Count);
        Assert.Equal(2, SigmaEventReader.ReadAll("{\n \"a\": 1\n}\n{\n \"a\": 2\n}"u8).Count);
        Assert.Throws<JsonException>(() => SigmaEventReader.ReadAll("{\"a\":1} [1]"u8));
        Assert.ThrowsAny<JsonException>(() => SigmaEventReader.ReadAll("{\"a\":"u8));
    }
}
