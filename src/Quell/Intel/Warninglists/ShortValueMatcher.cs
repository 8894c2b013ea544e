using System.Collections.Frozen;
using System.Globalization;

namespace Quell.Intel.Warninglists;

/// <summary>
/// Free-text indicators (file names, mutexes, registry keys, user agents, patterns, subjects) shorter than
/// <see cref="MinLength"/> characters: matched exactly or as substrings they hit countless unrelated files, keys and
/// mails ("a", "tmp", "svc"), so as indicators they only raise false alerts. Addresses, domains, URLs and hashes are
/// not checked here: their normalizer already refuses values too short to be valid.
/// </summary>
public sealed class ShortValueMatcher : IListMatcher
{
    public const int MinLength = 4;

    public static readonly FrozenSet<string> TextTypes = new[]
    {
        "filename", "mutex", "named pipe", "regkey", "user-agent", "pattern-in-file", "pattern-in-traffic", "pattern-in-memory",
        "email-subject", "email-attachment", "windows-service-name", "windows-scheduled-task",
    }.ToFrozenSet(StringComparer.Ordinal);

    public int Count => 0;

    public ListMatch? Match(string type, string value) =>
        TextTypes.Contains(type) && value.Length < MinLength
            ? new ListMatch($"shorter than {MinLength} characters",
                $"a {type} of {value.Length.ToString(CultureInfo.InvariantCulture)} character{(value.Length == 1 ? "" : "s")} matches countless unrelated values; at least {MinLength} are needed to identify anything")
            : null;
}
