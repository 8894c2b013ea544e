using System.Reflection;
using System.Runtime.CompilerServices;

namespace Quell.Intel.Matching;

/// <summary>
/// Compiles the matcher's code on a background thread before it is first called. A one-shot
/// <c>quell intel match</c> otherwise compiles its fully optimized load and lookup paths (decision 76: no
/// ReadyToRun) on the threads that wait for them, about 120 ms of the first slice of the load, while start-up leaves
/// the other core idle. Compiling is all it does: running sample values through the code (decision 184's note) also
/// ran their callees' unoptimized and instrumented tiers, which cost more than it saved.
/// </summary>
public static class MatcherCode
{
    static readonly Type[] Matcher = [typeof(IndicatorIndex), typeof(KeyTable), typeof(ValueKeys), typeof(ByteClasses), typeof(ProbePlan), typeof(HugePages)];

    /// <summary>Starts compiling the matcher's methods and those of <paramref name="callers"/>; returns at once.</summary>
    public static Thread CompileInBackground(params Type[] callers)
    {
        var thread = new Thread(() => Compile([.. Matcher, .. callers])) { IsBackground = true, Name = "matcher JIT" };
        thread.Start();
        return thread;
    }

    /// <summary>
    /// The fully optimized methods first (the ones a caller would wait longest for), then the rest; generic methods
    /// are skipped (they are compiled per instantiation).
    /// </summary>
    static void Compile(Type[] types)
    {
        const BindingFlags All = BindingFlags.DeclaredOnly | BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic;
        var methods = types.SelectMany(t => t.GetMethods(All)).Where(m => !m.IsAbstract && !m.ContainsGenericParameters)
            .OrderBy(m => (m.MethodImplementationFlags & MethodImplAttributes.AggressiveOptimization) == 0);
        foreach (var method in methods)
            RuntimeHelpers.PrepareMethod(method.MethodHandle);
    }
}
