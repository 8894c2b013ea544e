namespace Quell.Events.Syslog;

/// <summary>The flattened field names syslog events carry (ECS names where ECS has one; see docs/syslog.md).</summary>
public static class SyslogFields
{
    public const string Priority = "log.syslog.priority";
    public const string FacilityCode = "log.syslog.facility.code";
    public const string FacilityName = "log.syslog.facility.name";
    public const string SeverityCode = "log.syslog.severity.code";
    public const string SeverityName = "log.syslog.severity.name";
    public const string Version = "log.syslog.version";
    public const string SyslogHostname = "log.syslog.hostname";
    public const string AppName = "log.syslog.appname";
    public const string ProcId = "log.syslog.procid";
    public const string MsgId = "log.syslog.msgid";
    /// <summary>Prefix of structured data: <c>log.syslog.structured_data.&lt;SD-ID&gt;.&lt;PARAM-NAME&gt;</c>.</summary>
    public const string StructuredData = "log.syslog.structured_data.";
    /// <summary>"rfc5424", "rfc3164" (BSD) or "none" when nothing of a header was recognised.</summary>
    public const string Format = "log.syslog.format";
    /// <summary>True when the frame was longer than the receiver's maximum message size and was cut.</summary>
    public const string Truncated = "log.syslog.truncated";
    /// <summary>The frame's length in bytes as sent, set when it was truncated.</summary>
    public const string OriginalLength = "log.syslog.original_length";

    public const string HostHostname = "host.hostname";
    public const string HostIp = "host.ip";
    public const string ProcessName = "process.name";
    public const string ProcessPid = "process.pid";
    public const string Message = "message";
    public const string EventCreated = "event.created";
    /// <summary>Why (part of) the message could not be parsed; the event keeps what was recognised and the raw text.</summary>
    public const string ParseError = "error.message";

    public const string RelatedIp = "related.ip";
    public const string RelatedHosts = "related.hosts";
    public const string RelatedUser = "related.user";
}
