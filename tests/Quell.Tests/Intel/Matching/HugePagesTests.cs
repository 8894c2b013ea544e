using Quell.Intel.Matching;

namespace Quell.Tests.Intel.Matching;

/// <summary>
/// <see cref="HugePages.Zeroed{T}"/> takes its memory uninitialized (so that it is not touched before the huge-page
/// advice); whatever the memory held before, the array must come back all zero.
/// </summary>
public sealed class HugePagesTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(1 << 20)]
    [InlineData((5 << 20) + 3)]
    [InlineData((13 << 20) + 7)]
    public void Arrays_come_back_zeroed_even_in_memory_that_held_other_bytes(int length)
    {
        for (var round = 0; round < 3; round++)
        {
            var dirty = new long[length];
            Array.Fill(dirty, -1L);
            GC.KeepAlive(dirty);
            dirty = null;
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);

            var array = HugePages.Zeroed<long>(length);

            Assert.Equal(length, array.Length);
            Assert.True(array.AsSpan().IndexOfAnyExcept(0L) < 0, $"round {round}: a non-zero element in a fresh array of {length}");
        }
    }
}
