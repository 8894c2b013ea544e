using System.Text.Json;
using Quell.Http;
using Quell.Observables;

namespace Quell.Alerts;

/// <summary>
/// A posted alert in TheHive's shape: {type, source, sourceRef, title, description, severity, tlp, pap, tags, date,
/// observables}, plus Quell's optional firstEvidenceAt (when the earliest evidence happened) and raw (the source's event).
/// </summary>
public sealed class AlertInput
{
    public const int MaxObservables = 1000;
    public const int MaxRawBytes = 256 * 1024;

    public string Type { get; init; } = "";
    public string Source { get; init; } = "";
    public string SourceRef { get; init; } = "";
    public string Title { get; init; } = "";
    public string Description { get; init; } = "";
    public int Severity { get; init; } = 2;
    public Tlp Tlp { get; init; } = Tlp.Amber;
    public Tlp Pap { get; init; } = Tlp.Amber;
    public string[] Tags { get; init; } = [];
    public long? Date { get; init; }
    public long? FirstEvidenceAt { get; init; }
    public string? Raw { get; init; }
    public List<ObservableInput> Observables { get; init; } = [];

    /// <summary>Parses and validates; returns null when any field is wrong (all problems are in <paramref name="errors"/>).</summary>
    public static AlertInput? Parse(JsonElement element, InputErrors errors, string prefix = "")
    {
        var f = JsonFields.ForObject(element, errors, prefix);
        if (f is null)
            return null;
        var mark = errors.Count;
        var type = f.String("type", required: true, maxLength: 128);
        var source = f.String("source", required: true, maxLength: 256);
        var sourceRef = f.String("sourceRef", required: true, maxLength: 512);
        var title = f.String("title", required: true, maxLength: 1024);
        var description = f.String("description", maxLength: 1 << 20, allowEmpty: true) ?? "";
        var severity = f.Int("severity", 1, 4, rangeMessage: $"{f.Path("severity")} must be 1-4");
        var tlp = TlpNames.Read(f, "tlp");
        var pap = TlpNames.Read(f, "pap");
        var tags = f.Strings("tags") ?? [];
        var date = f.Time("date");
        var firstEvidence = f.Time("firstEvidenceAt");
        string? raw = null;
        if (f.TryGet("raw", out var rawEl))
        {
            raw = rawEl.GetRawText();
            // Stored as sent, but read back and re-serialised in every view: it must be text all through.
            if (!JsonFields.HoldsOnlyText(rawEl))
                errors.Add(f.Path("raw"), JsonFields.NotTextMessage(f.Path("raw")));
            else if (raw.Length > MaxRawBytes)
                errors.Add(f.Path("raw"), $"{f.Path("raw")} must be at most {MaxRawBytes} bytes");
        }
        var observables = ObservableInput.ParseList(f, "observables", MaxObservables);
        if (errors.Count != mark)
            return null;
        return new AlertInput
        {
            Type = type!,
            Source = source!,
            SourceRef = sourceRef!,
            Title = title!,
            Description = description,
            Severity = severity ?? 2,
            Tlp = tlp ?? Tlp.Amber,
            Pap = pap ?? Tlp.Amber,
            Tags = tags,
            Date = date,
            FirstEvidenceAt = firstEvidence,
            Raw = raw,
            Observables = observables,
        };
    }
}
