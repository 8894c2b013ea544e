namespace Quell.Intel.Taxii;

/// <summary>Limits of the TAXII server (configuration section <c>Taxii</c>, e.g. env <c>Taxii__MaxContentLength</c>).</summary>
public sealed class TaxiiOptions
{
    /// <summary>
    /// The largest POST body, advertised as the API root's <c>max_content_length</c>; larger bodies are answered 413.
    /// Below the server's request limit (17 MB), so the TAXII answer, not Kestrel's, is what a client sees.
    /// </summary>
    public int MaxContentLength { get; set; } = 10 << 20;

    /// <summary>Objects per page when the client asks for more or names no limit.</summary>
    public int MaxPageSize { get; set; } = 1000;
}
