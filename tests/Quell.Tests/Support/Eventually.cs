namespace Quell.Tests.Support;

/// <summary>Waiting for background work (jobs, the intel flagger) without sleeping a fixed time.</summary>
public static class Eventually
{
    /// <summary>A bound against hanging, not a timing assertion: CI machines are slow and loaded.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>Polls <paramref name="probe"/> until it returns a value, and returns it; fails naming <paramref name="what"/>.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, string what) where T : struct
    {
        var deadline = TimeProvider.System.GetUtcNow() + Patience;
        while (true)
        {
            if (await probe() is { } value)
                return value;
            Assert.True(TimeProvider.System.GetUtcNow() < deadline, $"gave up after {Patience.TotalSeconds:0} s waiting for: {what}");
            await Task.Delay(100);
        }
    }
}
