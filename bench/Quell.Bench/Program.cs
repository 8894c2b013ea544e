using BenchmarkDotNet.Running;
using Quell.Bench;

// quell-bench latency --url http://127.0.0.1:5080 --key KEY [--iterations 500] [--label sqlite] [--json out.json]
// quell-bench intel-memory [1000000]
// quell-bench syslog-send --target 127.0.0.1:6601 [--messages 1000000] [--format 5424|3164|cef] [--connections 4]
// quell-bench intel-match-profile IND.txt VALUES.txt [MAX_VALUES] [REPEATS]
// quell-bench intel-import FEED_FILE [--db POSTGRES_CONNECTION_STRING]
// quell-bench retro-hunt --data DIR [--events 10000000] [--indicators 1000] [--db POSTGRES_CONNECTION_STRING]
// quell-bench sigma-profile EVENTS.ndjson [MAX_EVENTS] [RULE_DIR...]
// quell-bench sigma-ingest EVENTS.ndjson [MAX_EVENTS] [RULE_DIR...]
// quell-bench event-store BODY.json [--batches 300] [--parallel 1] [--data DIR]
// quell-bench micro [BenchmarkDotNet arguments, e.g. --filter '*' --job short]
var mode = args.FirstOrDefault();
var rest = args.Skip(1).ToArray();
switch (mode)
{
    case "latency":
        return await LatencyBench.RunAsync(LatencyOptions.Parse(rest));
    case "intel-import":
        return await IntelImportBench.RunAsync(rest);
    case "intel-memory":
        return IntelMatchData.ReportMemory(rest.Length > 0 ? int.Parse(rest[0], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000);
    case "intel-match-profile":
        return IntelMatchProfile.Run(rest);
    case "retro-hunt":
        return await RetroHuntBench.RunAsync(rest);
    case "syslog-send":
        return await SyslogSender.RunAsync(rest);
    case "sigma-profile":
        return SigmaProfile.Run(rest);
    case "sigma-ingest":
        return SigmaIngestProfile.Run(rest);
    case "event-store":
        return await EventStoreBench.RunAsync(rest);
    case "micro":
        BenchmarkSwitcher.FromAssembly(typeof(LatencyBench).Assembly).Run(rest);
        return 0;
    default:
        Console.Error.WriteLine("usage: Quell.Bench latency --url URL --key API_KEY [--iterations N] [--warmup N] [--label NAME] [--json FILE]");
        Console.Error.WriteLine("       Quell.Bench micro [BenchmarkDotNet arguments]");
        Console.Error.WriteLine("       Quell.Bench intel-memory [INDICATORS]");
        Console.Error.WriteLine("       Quell.Bench syslog-send --target IP:PORT [--messages N] [--format 5424|3164|cef] [--connections N]");
        Console.Error.WriteLine("       Quell.Bench intel-match-profile IND.txt VALUES.txt [MAX_VALUES] [REPEATS]");
        Console.Error.WriteLine("       Quell.Bench intel-import FEED_FILE [--db POSTGRES_CONNECTION_STRING]");
        Console.Error.WriteLine("       Quell.Bench retro-hunt --data DIR [--events N] [--indicators N] [--db POSTGRES_CONNECTION_STRING]");
        return 2;
}
