using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Quell.Events.Syslog;

namespace Quell.Tests.Events.Syslog;

/// <summary>A server whose TCP receiver speaks TLS with a self-signed certificate in one PEM file (certificate and key).</summary>
public sealed class SyslogTlsServer : SyslogServer, IAsyncLifetime
{
    readonly string _pem = Path.Combine(Path.GetTempPath(), $"quell-syslog-tls-{Guid.NewGuid():N}.pem");

    public SyslogTlsServer()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        Thumbprint = cert.Thumbprint;
        File.WriteAllText(_pem, cert.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    public string Thumbprint { get; }

    protected override void ConfigureSyslog(SyslogOptions o) => o.TlsCertificate = _pem;

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        File.Delete(_pem);
    }
}

public class SyslogTlsTests(SyslogTlsServer server) : IClassFixture<SyslogTlsServer>
{
    [Fact]
    public async Task Messages_over_tls_are_received()
    {
        var marker = "tls" + Guid.NewGuid().ToString("N")[..10];
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(server.Tcp);
            await using var tls = new SslStream(client.GetStream(), false, (_, cert, _, _) => cert is X509Certificate2 c && c.Thumbprint == server.Thumbprint);
            await tls.AuthenticateAsClientAsync("localhost");
            var m = $"<13>1 2026-11-28T10:00:00Z h app - - - over tls {marker}";
            await tls.WriteAsync(Encoding.UTF8.GetBytes($"{Encoding.UTF8.GetByteCount(m)} {m}<13>Nov 28 10:00:00 h app: second {marker}\n"));
            await tls.FlushAsync();
        }
        var events = await server.Sink.WaitForAsync(marker, 2);
        Assert.Equal([$"over tls {marker}", $"second {marker}"], events.Select(e => (string)e.Fields[SyslogFields.Message]!));
    }

    [Fact]
    public async Task Plain_text_on_the_tls_port_is_not_taken_as_messages()
    {
        var marker = "plain" + Guid.NewGuid().ToString("N")[..10];
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(server.Tcp);
            await client.GetStream().WriteAsync(Encoding.UTF8.GetBytes($"<13>Nov 28 10:00:00 h app: {marker}\n"));
            // The server ends the failed handshake by closing the connection.
            var buffer = new byte[256];
            try
            {
                while (await client.GetStream().ReadAsync(buffer) > 0)
                {
                }
            }
            catch (IOException)
            {
            }
        }
        var stored = server.Sink.Events.Count(e => e.Raw.Contains(marker, StringComparison.Ordinal));
        Assert.Equal(0, stored);
    }
}
