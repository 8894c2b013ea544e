namespace Quell.Tests.Support;

/// <summary>
/// The system clock plus an offset the test moves forward. Only "now" is shifted: timers and delays still run on real
/// time, so background workers keep working while a test jumps past a lockout.
/// </summary>
public sealed class ShiftableTime : TimeProvider
{
    long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}

/// <summary>A test server whose clock the test can move forward.</summary>
public interface IClockedServer
{
    ShiftableTime Clock { get; }
}

public sealed class ClockedSqliteServer : SqliteServer, IClockedServer
{
    public ShiftableTime Clock { get; } = new();

    protected override void Configure(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder) =>
        Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<TimeProvider>(builder.Services, Clock);
}

public sealed class ClockedPostgresServer : PostgresServer, IClockedServer
{
    public ShiftableTime Clock { get; } = new();

    protected override void Configure(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder) =>
        Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton<TimeProvider>(builder.Services, Clock);
}
