namespace Quell.Events.Receivers;

/// <summary>The Elasticsearch compatibility endpoint (configuration section <c>Events:Elastic</c>).</summary>
public sealed class ElasticOptions
{
    /// <summary>
    /// The version <c>GET /es</c> reports. Beats refuse an Elasticsearch older than themselves unless
    /// <c>allow_older_versions</c> is set; 8.19.0 is the last 8.x, so every 8.x shipper connects unchanged.
    /// </summary>
    public string Version { get; set; } = "8.19.0";
}
