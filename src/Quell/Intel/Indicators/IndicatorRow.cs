using Quell.Intel.Decay;
using Quell.Observables;

namespace Quell.Intel.Indicators;

/// <summary>An indicators row as stored.</summary>
public sealed class IndicatorRow
{
    public const string Columns = "i.id AS Id, i.type AS Type, i.value AS Value, i.category AS Category, i.to_ids AS ToIds, i.first_seen AS FirstSeen, i.last_seen AS LastSeen, i.tlp AS Tlp, i.confidence AS Confidence, i.comment AS Comment, i.tags AS Tags, i.suppressed AS Suppressed, i.warninglists AS Warninglists, i.created_at AS CreatedAt, i.updated_at AS UpdatedAt";

    public long Id { get; set; }
    public string Type { get; set; } = "";
    public string Value { get; set; } = "";
    public string Category { get; set; } = "";
    public bool ToIds { get; set; }
    public long? FirstSeen { get; set; }
    public long? LastSeen { get; set; }
    public int Tlp { get; set; }
    public int? Confidence { get; set; }
    public string? Comment { get; set; }
    public string Tags { get; set; } = "[]";
    public bool Suppressed { get; set; }
    public string? Warninglists { get; set; }
    public long CreatedAt { get; set; }
    public long UpdatedAt { get; set; }
}

/// <summary>An indicator as the API returns it: stored fields, the score computed now, and (on one indicator) its details.</summary>
public sealed class IndicatorView
{
    public long Id { get; init; }
    public string Type { get; init; } = "";
    public string Value { get; init; } = "";
    public string Category { get; init; } = "";
    public bool ToIds { get; init; }
    public DateTimeOffset? FirstSeen { get; init; }
    public DateTimeOffset? LastSeen { get; init; }
    public string Tlp { get; init; } = "";
    public int? Confidence { get; init; }
    public string? Comment { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public IReadOnlyList<string> Warninglists { get; init; } = [];
    public IReadOnlyList<string> Sources { get; init; } = [];
    public double Score { get; init; }
    public bool Expired { get; init; }
    public bool Suppressed { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public ScoreExplanation? ScoreExplanation { get; init; }

    /// <summary>On one indicator: observables of alerts and cases it matched, counted up to 10,000 (see GET …/matches).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? MatchCount { get; init; }

    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<SourceView>? SourceDetails { get; init; }

    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public SightingsView? Sightings { get; init; }

    public static IndicatorScore ScoreOf(IndicatorRow r, SightingSummary sightings, DateTimeOffset now) =>
        DecayScoring.Score(new DecayInput(r.Type, IndicatorJson.ReadList(r.Tags), r.Confidence, r.FirstSeen, r.LastSeen, r.CreatedAt, sightings), now);

    public static IndicatorView From(IndicatorRow r, IReadOnlyList<string> sources, IndicatorScore score, bool detailed,
        IReadOnlyList<SourceView>? sourceDetails = null, SightingsView? sightings = null, int? matchCount = null) => new()
        {
            Id = r.Id,
            Type = r.Type,
            Value = r.Value,
            Category = r.Category,
            ToIds = r.ToIds,
            FirstSeen = Time(r.FirstSeen),
            LastSeen = Time(r.LastSeen),
            Tlp = TlpNames.Name(r.Tlp),
            Confidence = r.Confidence,
            Comment = r.Comment,
            Tags = IndicatorJson.ReadList(r.Tags),
            Warninglists = IndicatorJson.ReadList(r.Warninglists),
            Sources = sources,
            Score = score.Score,
            Expired = score.Expired,
            Suppressed = r.Suppressed || score.Suppressed,
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAt),
            UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.UpdatedAt),
            ScoreExplanation = detailed ? score.Explanation : null,
            SourceDetails = sourceDetails,
            Sightings = sightings,
            MatchCount = matchCount,
        };

    internal static DateTimeOffset? Time(long? ms) => ms is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v) : null;
}

/// <summary>One source of an indicator: who, the source's own reference, when it reported it, the event it came in.</summary>
public sealed record SourceView(string Kind, string Name, long? FeedId, string? SourceRef, DateTimeOffset FirstReported, DateTimeOffset LastReported, StoredContext? Context);

/// <summary>Sighting counts by type, the latest of each, and the most recent sightings.</summary>
public sealed record SightingsView(IReadOnlyDictionary<string, int> Counts, IReadOnlyDictionary<string, DateTimeOffset> Latest, IReadOnlyList<SightingView> Recent);

public sealed record SightingView(long Id, string Type, string Source, DateTimeOffset At, string? Note);
