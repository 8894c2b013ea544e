namespace Quell.Intel.Stix;

/// <summary>A STIX pattern that does not follow the grammar: where (character offset from 0) and why.</summary>
public sealed class StixPatternException(int offset, string reason)
    : Exception($"invalid STIX pattern at offset {offset}: {reason}")
{
    public int Offset { get; } = offset;
    public string Reason { get; } = reason;
}
