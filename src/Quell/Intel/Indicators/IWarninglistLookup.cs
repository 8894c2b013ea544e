namespace Quell.Intel.Indicators;

/// <summary>
/// Which warninglists a normalized value is on (names of the lists). Implemented by the warninglist capability; the
/// store asks it at import (to flag or drop) and keeps the names on the indicator. Without one, nothing is flagged.
/// </summary>
public interface IWarninglistLookup
{
    IReadOnlyList<string> Hits(string type, string normalizedValue);
}
