namespace Quell.Intel.Taxii;

/// <summary>One STIX object of a collection page: its id, when it was added (Unix ms), its version (Unix µs) and its JSON.</summary>
public sealed record TaxiiItem(string Id, long DateAdded, long Version, string Json);

/// <summary>A page of objects and whether more follow; <see cref="Next"/> asks for them.</summary>
public sealed record TaxiiPage(IReadOnlyList<TaxiiItem> Items, bool More, string? Next)
{
    public static TaxiiPage Empty { get; } = new([], false, null);
}
