using System.Text.Json.Nodes;
using Quell.Observables;

namespace Quell.Enrichment.Cortex;

/// <summary>Analyzer (enriches an observable) or responder (acts on a case, alert or observable).</summary>
public enum CortexKind
{
    Analyzer,
    Responder,
}

/// <summary>
/// A configuration item of a flavour (Cortex's configurationItems): its type says how the stored text goes into
/// input.json (string, number, boolean; <see cref="Multi"/> an array of them), <see cref="Default"/> fills it when unset.
/// </summary>
public sealed record CortexConfigItem(string Name, string Description, string Type, bool Multi, bool Required, JsonNode? Default, bool Secret);

/// <summary>
/// One flavour definition (<c>analyzers/&lt;Name&gt;/&lt;Flavor&gt;.json</c>), checked: <see cref="Command"/> is the absolute path of
/// the program, <see cref="WorkingDirectory"/> the folder Cortex runs it in (the parent of the command's folder),
/// <see cref="Config"/> the flavour's own <c>config</c> object (defaults such as check_tlp, max_tlp, service).
/// </summary>
public sealed record CortexFlavor(
    CortexKind Kind,
    string Name,
    string Version,
    string? Author,
    string? License,
    string Description,
    IReadOnlyList<string> DataTypes,
    string Command,
    string WorkingDirectory,
    string? BaseConfig,
    IReadOnlyList<CortexConfigItem> Items,
    JsonObject Config,
    Tlp MaxTlp,
    Tlp MaxPap,
    string File)
{
    public const string Prefix = "cortex:";

    /// <summary>The name Quell lists it under: <c>cortex:&lt;name&gt;</c>.</summary>
    public string QuellName => Prefix + Name;

    public CortexConfigItem? Item(string name) => Items.FirstOrDefault(i => string.Equals(i.Name, name, StringComparison.Ordinal));
}

/// <summary>A definition file that could not be used, and why.</summary>
public sealed record CortexProblem(string File, string Reason);
