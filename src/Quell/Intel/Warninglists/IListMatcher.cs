namespace Quell.Intel.Warninglists;

/// <summary>An entry of a list that a value hit, with a reason when the entry carries its own (the sanity checks do).</summary>
public readonly record struct ListMatch(string Entry, string? Reason);

/// <summary>
/// The compiled entries of one list. <see cref="Match"/> gets one normalized part of a value and the type of that part;
/// it is pure and never throws.
/// </summary>
public interface IListMatcher
{
    int Count { get; }
    ListMatch? Match(string type, string value);
}
