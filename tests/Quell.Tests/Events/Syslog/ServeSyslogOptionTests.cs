using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Quell.Events.Syslog;
using Quell.Server;
using Quell.Server.Cli;

namespace Quell.Tests.Events.Syslog;

public sealed class ServeSyslogOptionTests
{
    [Fact]
    public void Serve_options_reach_the_syslog_options_and_default_to_off()
    {
        var settings = ServeCommand.Settings(ServeCommand.Create().Parse(["--syslog-tcp", "0.0.0.0:6514", "--syslog-udp", "[::]:514"]));
        Assert.Equal(new SyslogSettings("0.0.0.0:6514", "[::]:514", null, null), settings.Syslog);
        var data = Directory.CreateTempSubdirectory("quell-syslog-opts-").FullName;
        try
        {
            var with = QuellHost.Build(new ServeSettings("http://127.0.0.1:0", data, null, Syslog: settings.Syslog));
            var o = with.Services.GetRequiredService<IOptions<SyslogOptions>>().Value;
            Assert.Equal(("0.0.0.0:6514", "[::]:514"), (o.Tcp, o.Udp));
            var without = QuellHost.Build(new ServeSettings("http://127.0.0.1:0", data, null));
            Assert.False(without.Services.GetRequiredService<IOptions<SyslogOptions>>().Value.Enabled);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Theory]
    [InlineData("localhost:514", "is not HOST:PORT with an IP address")]
    [InlineData("127.0.0.1", "is not HOST:PORT")]
    [InlineData("::1", "is not HOST:PORT")]
    [InlineData("127.0.0.1:70000", "is not HOST:PORT")]
    public void Bad_address_is_refused_naming_the_option(string address, string reason)
    {
        var settings = ServeCommand.Settings(ServeCommand.Create().Parse(["--syslog-tcp", address]));
        var problem = settings.Syslog!.Validate();
        Assert.NotNull(problem);
        Assert.Contains("--syslog-tcp", problem);
        Assert.Contains(reason, problem);
    }

    [Fact]
    public void Missing_tls_certificate_is_named()
    {
        var problem = new SyslogSettings("127.0.0.1:6514", null, "/nonexistent/cert.pem", null).Validate();
        Assert.Equal("Syslog:TlsCertificate (--syslog-tls-cert) '/nonexistent/cert.pem' does not exist", problem);
    }
}
