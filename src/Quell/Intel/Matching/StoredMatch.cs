namespace Quell.Intel.Matching;

/// <summary>
/// Confirms the server matcher's candidates against the indicators as stored now. On SQLite a deleted indicator's id
/// can be given to a new one while the matcher still holds the old value under that id (ids are not AUTOINCREMENT),
/// so a candidate counts only when its stored type and value match the raw value on their own.
/// </summary>
public sealed class StoredMatch
{
    static readonly IndicatorIndex Empty = new();
    readonly Dictionary<long, IndicatorIndex> _alone = [];

    /// <summary>Whether the indicator <paramref name="id"/>, stored as <paramref name="type"/> and <paramref name="value"/>, matches <paramref name="raw"/>.</summary>
    public bool Confirms(long id, string type, string value, string raw)
    {
        if (!_alone.TryGetValue(id, out var one))
        {
            one = new IndicatorIndex();
            try
            {
                one.Add(id, type, value);
            }
            catch (ArgumentException)
            {
                one = Empty; // the store keeps only indexable values; one that is not matches nothing
            }
            _alone[id] = one;
        }
        return one.IsMatch(raw.AsSpan());
    }
}
