using System.Text.Json;
using Quell.Observables;

namespace Quell.Intel.Stix;

/// <summary>
/// TLP in STIX: the four TLP 1.0 marking definitions of STIX 2.1 §7.2.1.4 (fixed ids) and the five TLP 2.0 ones of the
/// OASIS TLP 2.0 extension (extension-definition--60a3c5c5-…, property <c>tlp_2_0</c>). Bundles may also carry
/// their own marking-definition objects; <see cref="FromDefinition"/> reads those.
/// </summary>
public static class StixTlp
{
    public const string Tlp2ExtensionId = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

    /// <summary>TLP 2.0 marking definition ids (what Quell writes).</summary>
    public static readonly IReadOnlyDictionary<Tlp, string> Tlp2Ids = new Dictionary<Tlp, string>
    {
        [Tlp.Clear] = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        [Tlp.Green] = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        [Tlp.Amber] = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        [Tlp.AmberStrict] = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        [Tlp.Red] = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
    };

    static readonly Dictionary<string, Tlp> KnownIds = new(StringComparer.Ordinal)
    {
        // TLP 1.0 (STIX 2.1 §7.2.1.4): WHITE reads as CLEAR.
        ["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"] = Tlp.Clear,
        ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"] = Tlp.Green,
        ["marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"] = Tlp.Amber,
        ["marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"] = Tlp.Red,
        [Tlp2Ids[Tlp.Clear]] = Tlp.Clear,
        [Tlp2Ids[Tlp.Green]] = Tlp.Green,
        [Tlp2Ids[Tlp.Amber]] = Tlp.Amber,
        [Tlp2Ids[Tlp.AmberStrict]] = Tlp.AmberStrict,
        [Tlp2Ids[Tlp.Red]] = Tlp.Red,
    };

    public static Tlp? FromId(string id) => KnownIds.TryGetValue(id, out var tlp) ? tlp : null;

    /// <summary>
    /// The TLP a marking-definition object states: STIX 2.1 <c>definition_type: "tlp"</c> with <c>definition.tlp</c>,
    /// the TLP 2.0 extension's <c>tlp_2_0</c>, or a name <c>TLP:…</c>; null for other markings (statements, PAP, ...).
    /// </summary>
    public static Tlp? FromDefinition(JsonElement marking)
    {
        if (marking.TryGetProperty("definition_type", out var dt) && dt.ValueKind == JsonValueKind.String && dt.GetString() == "tlp"
            && marking.TryGetProperty("definition", out var def) && def.ValueKind == JsonValueKind.Object
            && def.TryGetProperty("tlp", out var level) && level.ValueKind == JsonValueKind.String && TlpNames.TryParse(level.GetString(), out var t1))
            return t1;
        if (marking.TryGetProperty("extensions", out var ext) && ext.ValueKind == JsonValueKind.Object
            && ext.TryGetProperty(Tlp2ExtensionId, out var tlp2) && tlp2.ValueKind == JsonValueKind.Object
            && tlp2.TryGetProperty("tlp_2_0", out var level2) && level2.ValueKind == JsonValueKind.String && TlpNames.TryParse(level2.GetString(), out var t2))
            return t2;
        if (marking.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
            && name.GetString() is { } n && n.StartsWith("TLP:", StringComparison.OrdinalIgnoreCase) && TlpNames.TryParse(n, out var t3))
            return t3;
        return null;
    }

    /// <summary>The TLP 2.0 marking-definition object for <paramref name="tlp"/>, as the OASIS extension publishes it.</summary>
    public static void WriteDefinition(Utf8JsonWriter w, Tlp tlp)
    {
        w.WriteStartObject();
        w.WriteString("type", "marking-definition");
        w.WriteString("spec_version", "2.1");
        w.WriteString("id", Tlp2Ids[tlp]);
        w.WriteString("created", "2022-10-01T00:00:00.000Z");
        w.WriteString("name", "TLP:" + TlpNames.Name(tlp));
        w.WriteStartObject("extensions");
        w.WriteStartObject(Tlp2ExtensionId);
        w.WriteString("extension_type", "property-extension");
        w.WriteString("tlp_2_0", TlpNames.Name(tlp).ToLowerInvariant());
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
