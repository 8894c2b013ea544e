using System.Text.Json;
using Quell.Http;

namespace Quell.Observables;

/// <summary>
/// TLP 2.0 (also used for PAP). Stored as these numbers, ordered by strictness so "at most AMBER" is a comparison.
/// The numbers are persisted: never renumber.
/// </summary>
public enum Tlp
{
    Clear = 0,
    Green = 1,
    Amber = 2,
    AmberStrict = 3,
    Red = 4,
}

public static class TlpNames
{
    public static string Name(Tlp tlp) => tlp switch
    {
        Tlp.Clear => "CLEAR",
        Tlp.Green => "GREEN",
        Tlp.Amber => "AMBER",
        Tlp.AmberStrict => "AMBER+STRICT",
        Tlp.Red => "RED",
        _ => throw new ArgumentOutOfRangeException(nameof(tlp)),
    };

    public static string Name(int stored) => Name((Tlp)stored);

    /// <summary>Accepts TLP 2.0 names (WHITE read as CLEAR, case-insensitive, optional "TLP:" prefix) and TheHive's numbers 0-3.</summary>
    public static bool TryParse(string? text, out Tlp tlp)
    {
        tlp = default;
        if (text is null)
            return false;
        var t = text.Trim().ToUpperInvariant();
        if (t.StartsWith("TLP:", StringComparison.Ordinal))
            t = t[4..];
        switch (t)
        {
            case "CLEAR" or "WHITE": tlp = Tlp.Clear; return true;
            case "GREEN": tlp = Tlp.Green; return true;
            case "AMBER": tlp = Tlp.Amber; return true;
            case "AMBER+STRICT" or "AMBER_STRICT" or "AMBER-STRICT": tlp = Tlp.AmberStrict; return true;
            case "RED": tlp = Tlp.Red; return true;
            default: return false;
        }
    }

    /// <summary>TheHive numbers: 0 WHITE, 1 GREEN, 2 AMBER, 3 RED.</summary>
    public static bool TryFromTheHive(int n, out Tlp tlp)
    {
        tlp = n switch { 0 => Tlp.Clear, 1 => Tlp.Green, 2 => Tlp.Amber, 3 => Tlp.Red, _ => (Tlp)(-1) };
        return (int)tlp >= 0;
    }

    /// <summary>Reads a tlp/pap field given as a name or a TheHive number; records a clear error otherwise.</summary>
    public static Tlp? Read(JsonFields f, string name)
    {
        if (!f.TryGet(name, out var v))
            return null;
        if (v.ValueKind == JsonValueKind.String && JsonFields.TryText(v, out var text) && TryParse(text, out var byName))
            return byName;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && TryFromTheHive(n, out var byNumber))
            return byNumber;
        f.Errors.Add(f.Path(name), $"{f.Path(name)} must be CLEAR, GREEN, AMBER, AMBER+STRICT or RED (or TheHive's 0-3)");
        return null;
    }
}
