using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Quell.Intel.Matching;

namespace Quell.Bench;

/// <summary>
/// `Quell.Bench intel-match-profile IND.txt VALUES.txt [MAX_VALUES] [REPEATS]`: loads the indicators, then matches the
/// first MAX_VALUES lines of VALUES on one thread REPEATS times, printing this thread's CPU time for each pass. Thread
/// CPU time is what other processes on a shared machine disturb least: compare builds by the minimum and median.
/// </summary>
public static partial class IntelMatchProfile
{
    public static int Run(string[] args)
    {
        if (args.Length < 2)
        {
            Console.Error.WriteLine("usage: Quell.Bench intel-match-profile IND.txt VALUES.txt [MAX_VALUES] [REPEATS]");
            return 2;
        }
        var max = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2_000_000;
        var repeats = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 7;
        var index = new IndicatorIndex();
        var load = Stopwatch.StartNew();
        using (var file = File.OpenRead(args[0]))
            index.LoadLines(file, 0, default);
        Console.WriteLine($"loaded {index.Count:N0} indicators in {load.Elapsed.TotalSeconds:F2} s wall");

        var text = ReadPrefix(args[1], max, out var lines);
        var matches = new bool[lines.Length];
        var times = new List<double>();
        for (var r = 0; r < repeats; r++)
        {
            var cpu = ThreadCpuSeconds();
            index.IsMatch(text, lines, matches);
            times.Add(ThreadCpuSeconds() - cpu);
            Console.WriteLine($"pass {r + 1}: {times[^1]:F3} s thread CPU, {matches.Count(m => m):N0} of {lines.Length:N0} values match");
        }
        times.Sort();
        Console.WriteLine($"min {times[0]:F3} s, median {times[times.Count / 2]:F3} s; {times[0] * 1e9 / lines.Length:F0} ns per value at the minimum");
        return 0;
    }

    static byte[] ReadPrefix(string path, int max, out Range[] lines)
    {
        var all = File.ReadAllBytes(path);
        var list = new List<Range>();
        var at = 0;
        while (at < all.Length && list.Count < max)
        {
            var newline = all.AsSpan(at).IndexOf((byte)'\n');
            var end = newline < 0 ? all.Length : at + newline;
            list.Add(at..end);
            at = end + 1;
        }
        lines = [.. list];
        return all;
    }

    [StructLayout(LayoutKind.Sequential)]
    struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out Timespec time);

    static double ThreadCpuSeconds()
    {
        const int ThreadCpuClock = 3; // CLOCK_THREAD_CPUTIME_ID
        ClockGetTime(ThreadCpuClock, out var t);
        return t.Seconds + t.Nanoseconds / 1e9;
    }
}
