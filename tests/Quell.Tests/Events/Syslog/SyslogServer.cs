using System.Diagnostics;
using System.Net;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Quell.Events;
using Quell.Events.Syslog;
using Quell.Identity;
using Quell.Tests.Support;

namespace Quell.Tests.Events.Syslog;

/// <summary>A real Quell server with the syslog receivers on 127.0.0.1 (ephemeral ports) and a recording event sink.</summary>
public class SyslogServer : SqliteServer
{
    public RecordingEventSink Sink { get; } = new();

    /// <summary>Options applied over the test defaults (TCP and UDP on, batches of 1,000 or 50 ms).</summary>
    protected virtual void ConfigureSyslog(SyslogOptions o)
    {
    }

    protected override void Configure(WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IEventSink>(Sink);
        builder.Services.PostConfigure<SyslogOptions>(o =>
        {
            o.Tcp = "127.0.0.1:0";
            o.Udp = "127.0.0.1:0";
            ConfigureSyslog(o);
        });
    }

    public SyslogReceiver Receiver => Services.GetRequiredService<SyslogReceiver>();
    public SyslogCounters Counters => Services.GetRequiredService<SyslogCounters>();
    public IPEndPoint Tcp => Receiver.TcpEndpoint!;
    public IPEndPoint Udp => Receiver.UdpEndpoint!;

    public Task<long> DefaultOrganisationIdAsync() =>
        Db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT id FROM organisations WHERE name = @name", new { name = Bootstrap.DefaultOrganisation }));

    /// <summary>Runs util-linux <c>logger</c> (Debian package bsdutils; test.sh installs it) and fails with its output if it fails.</summary>
    public static async Task LoggerAsync(params string[] args)
    {
        var start = new ProcessStartInfo("logger") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var p = Process.Start(start) ?? throw new InvalidOperationException("logger did not start");
        var stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, $"logger {string.Join(' ', args)} exited with {p.ExitCode}: {stderr}");
    }
}
