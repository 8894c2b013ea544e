using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Quell.Events.Syslog;

/// <summary>
/// The syslog receivers (configuration section <c>Syslog</c>; <c>quell serve --syslog-tcp/--syslog-udp/--syslog-tls-cert</c>).
/// Both are off unless an address is given.
/// </summary>
public sealed class SyslogOptions
{
    public const string Section = "Syslog";

    /// <summary>HOST:PORT to accept TCP syslog on (RFC 6587 framing, both kinds), e.g. <c>0.0.0.0:601</c>; null: off.</summary>
    public string? Tcp { get; set; }

    /// <summary>HOST:PORT to receive UDP syslog on (one message per datagram), e.g. <c>0.0.0.0:514</c>; null: off.</summary>
    public string? Udp { get; set; }

    /// <summary>A certificate that turns the TCP receiver into syslog over TLS (RFC 5425): PEM (key in the same file or in <see cref="TlsKey"/>) or PFX/PKCS#12.</summary>
    public string? TlsCertificate { get; set; }

    /// <summary>The PEM private key of <see cref="TlsCertificate"/> when it is in a file of its own.</summary>
    public string? TlsKey { get; set; }

    /// <summary>The password of a PFX certificate or of an encrypted PEM key.</summary>
    public string? TlsPassword { get; set; }

    /// <summary>Longer messages are cut to this many bytes and flagged <c>log.syslog.truncated</c>. Default 64 KiB.</summary>
    public int MaxMessageSize { get; set; } = 64 * 1024;

    /// <summary>Messages handed to the event store at once, at most.</summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>How long the first message of a batch waits for others before the batch is stored anyway.</summary>
    public TimeSpan BatchDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>UDP messages waiting to be stored, at most; more are dropped and counted (UDP cannot slow a sender down).</summary>
    public int UdpQueueLength { get; set; } = 50_000;

    /// <summary>The organisation syslog events belong to, by name. Default: the one created on first start.</summary>
    public string Organisation { get; set; } = Identity.Bootstrap.DefaultOrganisation;

    /// <summary>The time zone of RFC 3164 timestamps, which carry none (an IANA or Windows id). Default UTC.</summary>
    public string? BsdTimeZone { get; set; }

    public bool Enabled => Tcp is not null || Udp is not null;

    /// <summary>Checks the settings; returns what is wrong, or null. Start-up refuses to run with a wrong setting.</summary>
    public string? Validate()
    {
        if (Tcp is not null && !TryParseEndpoint(Tcp, out _))
            return $"Syslog:Tcp (--syslog-tcp) '{Tcp}' is not HOST:PORT with an IP address and a port from 0 to 65535, e.g. 0.0.0.0:601 or [::]:601";
        if (Udp is not null && !TryParseEndpoint(Udp, out _))
            return $"Syslog:Udp (--syslog-udp) '{Udp}' is not HOST:PORT with an IP address and a port from 0 to 65535, e.g. 0.0.0.0:514";
        if (TlsCertificate is not null && Tcp is null)
            return "Syslog:TlsCertificate (--syslog-tls-cert) is given but no TCP receiver (--syslog-tcp): TLS applies to TCP only";
        if (TlsCertificate is not null && !File.Exists(TlsCertificate))
            return $"Syslog:TlsCertificate (--syslog-tls-cert) '{TlsCertificate}' does not exist";
        if (TlsKey is not null && !File.Exists(TlsKey))
            return $"Syslog:TlsKey (--syslog-tls-key) '{TlsKey}' does not exist";
        if (MaxMessageSize is < 480 or > 16 * 1024 * 1024)
            return $"Syslog:MaxMessageSize {MaxMessageSize} is out of range: from 480 (RFC 5424's minimum) to 16777216 bytes";
        if (BatchSize is < 1 or > 100_000)
            return $"Syslog:BatchSize {BatchSize} is out of range: from 1 to 100000";
        if (BatchDelay < TimeSpan.Zero || BatchDelay > TimeSpan.FromSeconds(10))
            return $"Syslog:BatchDelay {BatchDelay} is out of range: from 0 to 10 seconds";
        if (UdpQueueLength < 1)
            return $"Syslog:UdpQueueLength {UdpQueueLength} must be at least 1";
        if (BsdTimeZone is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(BsdTimeZone, out _))
            return $"Syslog:BsdTimeZone '{BsdTimeZone}' is not a time zone this system knows (e.g. Europe/Berlin or UTC)";
        return null;
    }

    /// <summary>HOST:PORT with an IP address (IPv6 in brackets); a port of 0 picks a free one.</summary>
    public static bool TryParseEndpoint(string text, out IPEndPoint endpoint)
    {
        endpoint = null!;
        if (!IPEndPoint.TryParse(text, out var parsed) || !text.Contains(':', StringComparison.Ordinal))
            return false;
        // IPEndPoint.TryParse reads "::1" as an address without port: a port is required.
        if (parsed.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !text.StartsWith('['))
            return false;
        if (!int.TryParse(text[(text.LastIndexOf(':') + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            return false;
        endpoint = parsed;
        return true;
    }

    internal TimeZoneInfo ResolveBsdTimeZone() => BsdTimeZone is null ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(BsdTimeZone);

    /// <summary>The TLS certificate with its private key, or null without TLS.</summary>
    internal X509Certificate2? LoadCertificate()
    {
        if (TlsCertificate is null)
            return null;
        var ext = Path.GetExtension(TlsCertificate).ToLowerInvariant();
        if (ext is ".pfx" or ".p12")
            return X509CertificateLoader.LoadPkcs12FromFile(TlsCertificate, TlsPassword);
        return TlsPassword is null
            ? X509Certificate2.CreateFromPemFile(TlsCertificate, TlsKey)
            : X509Certificate2.CreateFromEncryptedPemFile(TlsCertificate, TlsPassword, TlsKey);
    }
}
