namespace Quell.Tests.Enrichment.Cortex;

/// <summary>
/// Test analyzers and responders laid out as a Cortex-Analyzers checkout, written to a temporary directory: a Python 3
/// analyzer (standard library only) that reads input/input.json and writes output/output.json exactly as cortexutils
/// does, chosen behaviour by the observable's value; a shell analyzer; a responder; the real AbuseIPDB flavour JSON;
/// and broken definitions.
/// </summary>
public static class CortexWorkers
{
    /// <summary>The Python analyzer: what it does depends on the value it is given.</summary>
    public const string FakePy = """
        #!/usr/bin/env python3
        import json, os, sys, time

        job = sys.argv[1]
        with open(os.path.join(job, "input", "input.json")) as f:
            inp = json.load(f)

        def write(out):
            os.makedirs(os.path.join(job, "output"), exist_ok=True)
            with open(os.path.join(job, "output", "output.json"), "w") as f:
                json.dump(out, f, ensure_ascii=False)

        def error(message):
            # cortexutils' Worker.error: the input (keys removed) and the message, then exit 1
            cfg = inp.get("config", {})
            for k in ("password", "key", "apikey", "api_key", "apisecret", "api_secret"):
                if k in cfg:
                    cfg[k] = "REMOVED"
            write({"success": False, "input": inp, "errorMessage": message})
            sys.exit(1)

        cfg = inp.get("config", {})
        if cfg.get("check_tlp") and inp.get("tlp", 2) > cfg.get("max_tlp", 2):
            error("TLP is higher than allowed.")
        if inp["dataType"] == "file":
            # Cortex's file job: the content in input/<file>, its name and type beside it, no "data".
            with open(os.path.join(job, "input", inp["file"]), "rb") as f:
                content = f.read()
            import hashlib
            write({"success": True,
                   "summary": {"taxonomies": [{"level": "info", "namespace": "Fake", "predicate": "Size", "value": len(content)}]},
                   "full": {"size": len(content), "sha256": hashlib.sha256(content).hexdigest(), "file": inp["file"],
                            "filename": inp["filename"], "contentType": inp["contentType"], "hasData": "data" in inp},
                   "artifacts": []})
            sys.exit(0)
        data = inp["data"]
        if data == "error.example":
            error("Invalid API key " + str(cfg.get("api_key")))
        elif data == "crash.example":
            sys.stderr.write("Traceback (most recent call last):\n  File \"fake.py\", line 40\nKeyError: 'boom'\n")
            sys.exit(1)
        elif data == "hang.example":
            with open(os.path.join(cfg.get("pidfile_dir", job), "hang.pid"), "w") as f:
                f.write(str(os.getpid()))
            time.sleep(600)
        elif data == "huge.example":
            sys.stdout.write("x" * (4 << 20))
            sys.stdout.flush()
            write({"success": True, "summary": {"taxonomies": []}, "full": {"blob": "y" * (1 << 20)}})
        elif data == "garbage.example":
            with open(os.path.join(job, "output", "output.json"), "w") as f:
                f.write("<html><body>502 Bad Gateway</body></html>")
        else:
            write({
                "success": True,
                "summary": {"taxonomies": [
                    {"level": "malicious", "namespace": "Fake", "predicate": "Score", "value": 97},
                    {"level": "info", "namespace": "Fake", "predicate": "Seen", "value": "twice"}]},
                "full": {"data": data, "dataType": inp["dataType"], "tlp": inp["tlp"], "pap": inp["pap"],
                         "message": inp["message"], "config": cfg, "cwd": os.getcwd()},
                "artifacts": [{"dataType": "ip", "data": "203.0.113.7", "message": "resolved", "tags": ["fake"]},
                              {"dataType": "file", "file": "sample.bin", "filename": "sample.bin"}],
                "operations": []})
        """;

    /// <summary>A shell analyzer: reports where it ran and with what job directory.</summary>
    public const string CheckSh = """
        #!/bin/sh
        printf '{"success": true, "summary": {"taxonomies": [{"level": "safe", "namespace": "Shell", "predicate": "Ran", "value": "yes"}]}, "full": {"job": "%s", "cwd": "%s", "mode": "%s"}, "artifacts": []}' "$1" "$(pwd)" "$(stat -c %a "$1")" > "$1/output/output.json"
        """;

    /// <summary>A responder: reads the TheHive object it is given and answers with operations, as cortexutils' Responder does.</summary>
    public const string NotifyPy = """
        #!/usr/bin/env python3
        import json, os, sys
        job = sys.argv[1]
        with open(os.path.join(job, "input", "input.json")) as f:
            inp = json.load(f)
        data = inp["data"]
        if data.get("title") == "fail me":
            out = {"success": False, "errorMessage": "the mail server refused"}
        else:
            out = {"success": True, "full": {"message": "notified about " + data.get("title", "?"), "type": inp["dataType"],
                                             "to": inp["config"].get("to"), "object": data},
                   "operations": [{"type": "AddTagToCase", "tag": "notified"}]}
        with open(os.path.join(job, "output", "output.json"), "w") as f:
            json.dump(out, f)
        """;

    /// <summary>
    /// A responder that returns the operations its configuration item <c>operations</c> holds (a JSON array), built the way
    /// cortexutils' <c>build_operation(type, **fields)</c> builds them, so one responder can emit each operation type.
    /// </summary>
    public const string ActPy = """
        #!/usr/bin/env python3
        import json, os, sys
        job = sys.argv[1]
        with open(os.path.join(job, "input", "input.json")) as f:
            inp = json.load(f)

        def build_operation(op_type, **parameters):
            operation = {"type": op_type}
            operation.update(parameters)
            return operation

        wanted = json.loads(inp["config"].get("operations") or "[]")
        ops = [build_operation(o.pop("type"), **o) if isinstance(o, dict) and "type" in o else o for o in wanted]
        out = {"success": True, "full": {"acted on": inp["dataType"]}, "operations": ops}
        with open(os.path.join(job, "output", "output.json"), "w") as f:
            json.dump(out, f)
        """;

    public const string ActJson = """
        {
          "name": "Act", "version": "1.0", "description": "Returns the operations it is configured with",
          "dataTypeList": ["thehive:case", "thehive:alert", "thehive:case_task", "thehive:case_artifact"],
          "command": "Act/act.py",
          "configurationItems": [{"name": "operations", "description": "JSON array of operations to return", "type": "string", "multi": false, "required": false}]
        }
        """;

    /// <summary>The AbuseIPDB flavour as published in TheHive-Project/Cortex-Analyzers (analyzers/AbuseIPDB/AbuseIPDB.json).</summary>
    public const string AbuseIpDbJson = """
        {
            "name": "AbuseIPDB",
            "version": "1.0",
            "author": "Matteo Lodi",
            "url": "https://github.com/TheHive-Project/Cortex-Analyzers",
            "license": "AGPL-v3",
            "description": "Determine whether an IP was reported or not as malicious by AbuseIPDB",
            "dataTypeList": ["ip"],
            "baseConfig": "AbuseIPDB",
            "command": "AbuseIPDB/abuseipdb.py",
            "configurationItems": [
              {
                "name": "key",
                "description": "API key for AbuseIPDB",
                "type": "string",
                "multi": false,
                "required": true
              },
              {
                "name": "days",
                "description": "Check for IP Reports in the last X days",
                "type": "number",
                "multi": false,
                "required": false,
                "defaultValue": 30
              }
            ],
            "config": {
                "check_tlp": true,
                "max_tlp": 2,
                "auto_extract": false
            },
            "registration_required": true,
            "subscription_required": true,
            "free_subscription": true,
            "service_homepage": "https://www.abuseipdb.com/",
            "service_logo": {
                "path": "assets/abuseipdb.png",
                "caption": "abuseipdb logo"
            },
            "screenshots": [
                {
                    "path": "assets/long_report.png",
                    "caption": "AbuseIPDB: Long report template"
                }
            ]
        }
        """;

    public const string FakeJson = """
        {
          "name": "Fake_Lookup",
          "version": "1.2",
          "author": "Quell tests",
          "license": "AGPL-V3",
          "description": "Behaves as its input value says",
          "dataTypeList": ["domain", "fqdn", "ip", "file"],
          "command": "Fake/fake.py",
          "baseConfig": "Fake",
          "config": {"check_tlp": true, "max_tlp": 2, "check_pap": true, "max_pap": 2, "service": "lookup"},
          "configurationItems": [
            {"name": "api_key", "description": "API key", "type": "string", "multi": false, "required": true},
            {"name": "threshold", "description": "Score threshold", "type": "number", "multi": false, "required": true, "defaultValue": "25"},
            {"name": "tags", "description": "Tags", "type": "string", "multi": true, "required": false},
            {"name": "verbose", "description": "Verbose", "type": "boolean", "multi": false, "required": false},
            {"name": "pidfile_dir", "description": "Where the hanging run writes its pid", "type": "string", "multi": false, "required": false}
          ]
        }
        """;

    public const string ShellJson = """
        {"name": "Shell_Check", "version": "1.0", "description": "A shell script", "dataTypeList": ["domain"], "command": "Shell/check.sh"}
        """;

    public const string NotifyJson = """
        {
          "name": "Notify_Team", "version": "1.0", "description": "Tell the team about a case or alert",
          "dataTypeList": ["thehive:case", "thehive:alert", "thehive:case_artifact"],
          "command": "Notify/notify.py",
          "configurationItems": [{"name": "to", "description": "Recipient", "type": "string", "multi": false, "required": true, "defaultValue": "soc@example.org"}]
        }
        """;

    /// <summary>Writes the checkout under a new temporary directory and returns its root.</summary>
    public static string Write()
    {
        var root = Directory.CreateTempSubdirectory("quell-cortex-analyzers-").FullName;
        Put(root, "analyzers/Fake/fake.py", FakePy, executable: true);
        Put(root, "analyzers/Fake/Fake_Lookup.json", FakeJson);
        Put(root, "analyzers/Shell/check.sh", CheckSh, executable: true);
        Put(root, "analyzers/Shell/Shell_Check.json", ShellJson);
        Put(root, "analyzers/AbuseIPDB/abuseipdb.py", FakePy, executable: true);
        Put(root, "analyzers/AbuseIPDB/AbuseIPDB.json", AbuseIpDbJson);
        Put(root, "analyzers/Broken/Broken.json", "{\"name\": \"Broken\", \"dataTypeList\": [\"ip\"], ");
        Put(root, "analyzers/Missing/Missing.json", """{"name": "Missing", "dataTypeList": ["ip"], "command": "Missing/missing.py"}""");
        Put(root, "analyzers/Escape/Escape.json", """{"name": "Escape", "dataTypeList": ["ip"], "command": "../../../bin/sh"}""");
        Put(root, "analyzers/Typo/Typo.json", """{"name": "Typo", "dataTypeList": ["ip"], "command": "Fake/fake.py", "configurationItems": [{"name": "n", "type": "integer"}]}""");
        Put(root, "responders/Notify/notify.py", NotifyPy, executable: true);
        Put(root, "responders/Notify/Notify_Team.json", NotifyJson);
        Put(root, "responders/Act/act.py", ActPy, executable: true);
        Put(root, "responders/Act/Act.json", ActJson);
        return root;
    }

    static void Put(string root, string path, string text, bool executable = false)
    {
        var file = Path.Combine(root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, text.ReplaceLineEndings("\n") + "\n");
        if (executable && !OperatingSystem.IsWindows())
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
