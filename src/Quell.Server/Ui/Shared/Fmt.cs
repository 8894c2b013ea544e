using System.Globalization;

namespace Quell.Server.Ui.Shared;

/// <summary>How pages show times and numbers: UTC, to the minute, the same everywhere.</summary>
public static class Fmt
{
    public static string Time(long? ms) =>
        ms is null ? "" : DateTimeOffset.FromUnixTimeMilliseconds(ms.Value).UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>ISO 8601 for &lt;time datetime&gt;.</summary>
    public static string Iso(long? ms) =>
        ms is null ? "" : DateTimeOffset.FromUnixTimeMilliseconds(ms.Value).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    public static string Number(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
