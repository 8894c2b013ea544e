namespace Quell.Tests.Enrichment;

/// <summary>
/// VMRay's and CAPE's answers as their APIs document them (VMRay REST API v2 as read by Cortex-Analyzers' VMRay
/// analyzer and vmrayclient.py; CAPEv2's web/apiv2/views.py), shortened to the fields read plus some context.
/// </summary>
static class SandboxReplies
{
    public const string Sha256 = "0f3b7c5c1e2f1a8b9d6e4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f";

    public static string VmraySubmit(long submission, long sample) => $$"""
        {"result": "ok", "data": {"errors": [], "jobs": [{"job_id": 9001, "job_sample_id": {{sample}}, "job_type": "full_analysis"}],
          "samples": [{"sample_id": {{sample}}, "sample_type": "URL", "sample_webif_url": "https://vmray.example/user/sample/view?id={{sample}}"}],
          "submissions": [{"submission_id": {{submission}}, "submission_sample_id": {{sample}}, "submission_finished": false,
            "submission_sample_sha256": "{{Sha256}}", "submission_webif_url": "https://vmray.example/user/submission/view?id={{submission}}"}]} }
        """;

    public static string VmraySubmission(long submission, long sample, bool finished, bool errors = false) => $$"""
        {"result": "ok", "data": {"submission_id": {{submission}}, "submission_sample_id": {{sample}}, "submission_finished": {{(finished ? "true" : "false")}},
          "submission_has_errors": {{(errors ? "true" : "null")}}, "submission_webif_url": "https://vmray.example/user/submission/view?id={{submission}}"} }
        """;

    public static string VmraySample(long sample, string verdict) => $$"""
        {"result": "ok", "data": {"sample_id": {{sample}}, "sample_verdict": "{{verdict}}", "sample_vti_score": 92, "sample_severity": "malicious",
          "sample_sha256hash": "{{Sha256}}", "sample_webif_url": "https://vmray.example/user/sample/view?id={{sample}}", "sample_child_sample_ids": []} }
        """;

    public const string VmrayIocs = """
        {"result": "ok", "data": {"iocs": {
          "domains": [{"domain": "c2.evil.example", "severity": "malicious", "type": "domain", "ioc": true}],
          "ips": [{"ip_address": "198.51.100.23", "severity": "malicious", "type": "ip_address"}, {"ip_address": "not-an-ip", "severity": "suspicious", "type": "ip_address"}],
          "urls": [{"url": "http://c2.evil.example/gate.php", "severity": "malicious", "type": "url"}],
          "files": [{"filename": "C:\\Users\\a\\AppData\\drop.exe", "severity": "malicious", "type": "file",
            "hashes": [{"md5_hash": "0123456789abcdef0123456789abcdef", "sha256_hash": "aa11bb22cc33dd44ee55ff66aa11bb22cc33dd44ee55ff66aa11bb22cc33dd44"}]}],
          "mutexes": [{"mutex_name": "Global\\xyz", "severity": "suspicious", "type": "mutex"}]}}}
        """;

    public const string VmrayMitre = """
        {"result": "ok", "data": {"mitre_attack_techniques": [
          {"technique_id": "T1059.001", "technique": "Command and Scripting Interpreter: PowerShell", "tactics": ["Execution"]},
          {"technique_id": "T1071", "technique": "Application Layer Protocol", "tactics": ["Command and Control"]}]}}
        """;

    public const string VmrayNoSuchElement = """{"result": "error", "error_msg": "No such element"}""";

    public static string CapeCreated(long task) =>
        $$"""{"error": false, "data": {"task_ids": [{{task}}], "message": "Task ID(s) {{task}} has been submitted"}, "errors": []}""";

    public static string CapeStatus(string status) => $$"""{"error": false, "data": "{{status}}"}""";

    public static string CapeReport(long task, double malscore) => $$"""
        {"info": {"id": {{task}}, "category": "url", "package": "edge", "started": "2026-11-29 07:00:00", "ended": "2026-11-29 07:04:10", "duration": 250},
         "malscore": {{malscore.ToString(System.Globalization.CultureInfo.InvariantCulture)}},
         "signatures": [
           {"name": "injection_createremotethread", "description": "Creates a thread in a remote process", "severity": 3, "confidence": 100, "ttps": ["T1055"]},
           {"name": "network_cnc_http", "description": "HTTP traffic to a known command and control server", "severity": 2}],
         "ttps": [{"signature": "injection_createremotethread", "ttps": ["T1055"]}, {"signature": "persistence_autorun", "ttps": ["T1547.001"]}],
         "target": {"category": "url", "url": "http://phish.example/invoice"} }
        """;

    public const string CapeIocs = """
        {"error": false, "data": {"malscore": 8.2, "detections": "AgentTesla",
          "network": {"traffic": {"http_count": 1, "http": [{"host": "c2.cape.example", "uri": "http://c2.cape.example/panel/gate.php", "method": "POST"}]},
                      "hosts": [{"ip": "203.0.113.77", "country_name": "unknown"}], "domains": [{"domain": "c2.cape.example", "ip": "203.0.113.77"}]},
          "dropped": [{"sha256": "bb11cc22dd33ee44ff55aa66bb11cc22dd33ee44ff55aa66bb11cc22dd33ee44", "md5": "fedcba9876543210fedcba9876543210", "type": "PE32 executable"}]}}
        """;

    public const string HtmlErrorPage = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";
}
