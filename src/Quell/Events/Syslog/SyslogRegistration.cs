using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Quell.Events.Syslog;

public static class SyslogRegistration
{
    /// <summary>The syslog receivers, bound to configuration section <c>Syslog</c>; they do nothing unless an address is configured.</summary>
    public static IServiceCollection AddSyslogReceivers(this IServiceCollection services)
    {
        services.AddOptions<SyslogOptions>().BindConfiguration(SyslogOptions.Section);
        services.AddSingleton(sp => new SyslogCounters(sp.GetService<IMeterFactory>()));
        services.AddSingleton<SyslogReceiver>();
        services.AddHostedService(sp => sp.GetRequiredService<SyslogReceiver>());
        return services;
    }
}
