using System.Text.Json;
using Quell.Intel.Export;
using Quell.Observables;

namespace Quell.Intel.Stix;

/// <summary>
/// Writes a STIX 2.1 bundle indicator by indicator, for exports too large to hold: the identity first, each indicator
/// as it comes, and the TLP marking definitions in use at the end (STIX gives the objects of a bundle no order).
/// The objects are those of <see cref="StixBundleWriter"/>.
/// </summary>
public sealed class StixBundleStream(Utf8JsonWriter w, DateTimeOffset now, string producer = "Quell")
{
    readonly SortedSet<Tlp> _tlps = [];
    readonly string _identityId = StixBundleWriter.IdentityId(producer);

    public int Count { get; private set; }

    public int Skipped { get; private set; }

    public void Start(Guid bundleId)
    {
        w.WriteStartObject();
        w.WriteString("type", "bundle");
        w.WriteString("id", "bundle--" + bundleId);
        w.WriteStartArray("objects");
        StixBundleWriter.WriteIdentity(w, producer);
    }

    /// <summary>Writes the indicator; false when its type has no STIX pattern (it is left out).</summary>
    public bool Add(ExportIndicator i)
    {
        if (StixPatternBuilder.For(i.Type, i.Value, out _) is not { } p)
        {
            Skipped++;
            return false;
        }
        StixBundleWriter.WriteIndicator(w, i, p.Pattern, p.PatternType, _identityId, now);
        if (i.Tlp is { } t)
            _tlps.Add(t);
        Count++;
        return true;
    }

    public void End()
    {
        foreach (var t in _tlps)
            StixTlp.WriteDefinition(w, t);
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
