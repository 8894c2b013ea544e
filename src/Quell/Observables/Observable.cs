namespace Quell.Observables;

/// <summary>A stored observable of an alert or a case.</summary>
public sealed class Observable
{
    public const string Columns = "id AS Id, data_type AS DataType, data AS Data, ioc AS Ioc, sighted AS Sighted, tags AS TagsJson, message AS Message";

    public long Id { get; set; }
    public string DataType { get; set; } = "";
    public string Data { get; set; } = "";
    public bool Ioc { get; set; }
    public bool Sighted { get; set; }
    [System.Text.Json.Serialization.JsonIgnore]
    public string TagsJson { get; set; } = "[]";
    public string[] Tags => JsonColumns.Tags(TagsJson);
    public string? Message { get; set; }

    /// <summary>
    /// Live intel matches, filled by the reads that show them (GET of an alert or a case); absent (null) in answers to
    /// writes, because observables are looked up in the background after they are stored.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ObservableIntel>? Intel { get; set; }

    /// <summary>
    /// The newest report of each analyzer about the value (status, level, taxonomies), filled by the same reads as
    /// <see cref="Intel"/>; absent (null) in answers to writes. The full reports are at /api/v1/observables/{id}/reports.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Enrichment.EnrichmentSummary>? Enrichment { get; set; }

    /// <summary>A file observable's content (size, hashes, download path) when Quell keeps it, on the reads of an alert or case; absent otherwise.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public Files.FileSummary? File { get; set; }

    /// <summary>Analysts' earlier decisions on the value ("seen in 2 earlier alerts/cases: false-positive ×2"), on an alert's GET; absent when never decided.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? History { get; set; }
}
