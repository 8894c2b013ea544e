using System.Text.Json;
using Quell.Http;
using Quell.Intel.Decay;

namespace Quell.Intel.Indicators;

/// <summary>The body of <c>POST /api/v1/indicators/{id}/sightings</c>: <c>{type, note?, source?}</c>, each error naming its field.</summary>
public sealed record SightingInput(string Type, string? Note, string? Source)
{
    public static SightingInput? Parse(JsonElement body, InputErrors errors)
    {
        var before = errors.Count;
        var f = JsonFields.ForObject(body, errors);
        var type = f?.String("type", required: true, maxLength: 32);
        if (type is not null && !SightingTypes.All.Contains(type))
            errors.Add("type", $"type must be one of {string.Join(", ", SightingTypes.All)}");
        var note = f?.String("note", maxLength: IndicatorSightings.MaxNoteLength);
        var source = f?.String("source", maxLength: 256);
        return errors.Count > before || type is null ? null : new SightingInput(type, note, source);
    }
}
