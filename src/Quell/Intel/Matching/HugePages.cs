using System.Runtime.InteropServices;

namespace Quell.Intel.Matching;

/// <summary>
/// Large zeroed arrays whose memory Linux may back with 2 MB pages. A key table of a million indicators is tens of
/// megabytes that a bulk load writes all over at once: in 4 KB pages that is over ten thousand page faults (about 4 µs
/// each on a VM), in 2 MB pages a few dozen. Where transparent huge pages are enabled only on request (the
/// <c>madvise</c> setting, common on servers), the request is <c>madvise(MADV_HUGEPAGE)</c> on the array's memory
/// before it is first touched. Anywhere the request is refused or unknown the array is an ordinary one.
/// </summary>
internal static partial class HugePages
{
    const int PageSize = 2 << 20;
    const int MadvHugePage = 14;
    static volatile bool _refused;

    /// <summary>A zeroed array of <paramref name="length"/> elements; its whole 2 MB pages advised as huge pages.</summary>
    public static unsafe T[] Zeroed<T>(int length) where T : unmanaged
    {
        var bytes = (long)length * sizeof(T);
        // Below two pages there is at most one whole page to gain.
        if (bytes < 2L * PageSize || _refused || !OperatingSystem.IsLinux())
            return new T[length];
        // Uninitialized: the collector would otherwise clear (and so fault in, in 4 KB pages) memory it cannot
        // prove fresh before the advice is given. It is cleared below, after the advice.
        var array = GC.AllocateUninitializedArray<T>(length);
        fixed (T* data = array)
        {
            // Only the whole pages inside the array: the advice applies to memory, which the array shares at its ends.
            var start = ((nint)data + PageSize - 1) & ~(nint)(PageSize - 1);
            var end = ((nint)data + (nint)bytes) & ~(nint)(PageSize - 1);
            if (end > start && !Advise(start, (nuint)(end - start)))
                _refused = true;
        }
        Array.Clear(array);
        return array;
    }

    static bool Advise(nint start, nuint length)
    {
        try
        {
            return Madvise(start, length, MadvHugePage) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);
}
