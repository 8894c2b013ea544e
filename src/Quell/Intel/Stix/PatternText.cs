namespace Quell.Intel.Stix;

/// <summary>Writing values into STIX pattern text: the one quoting rule (only <c>\</c> and <c>'</c> are escaped, §9.2).</summary>
public static class PatternText
{
    public static string Quote(string value) => "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    /// <summary>A path step that needs no quotes: letters, digits and '_', not starting with a digit.</summary>
    public static bool IsIdentifier(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
