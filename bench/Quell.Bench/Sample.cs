using System.Text.Json;

namespace Quell.Bench;

/// <summary>
/// Values to query with, taken from the store through the API the way an analyst meets them: observables and tags of
/// recent and old alerts, words of recent case titles, the newest case id.
/// </summary>
public sealed record Sample(IReadOnlyList<string> Observables, IReadOnlyList<string> Tags, IReadOnlyList<string> Words, long MaxCaseId)
{
    public static async Task<Sample> CollectAsync(HttpClient http)
    {
        var observables = new List<string>();
        var tags = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sort in new[] { "-date", "date" })
        {
            using var page = JsonDocument.Parse(await http.GetStringAsync($"/api/v1/alerts?sort={sort}&limit=50"));
            foreach (var alert in page.RootElement.GetProperty("items").EnumerateArray().Take(20))
            {
                foreach (var tag in alert.GetProperty("tags").EnumerateArray())
                    tags.Add(tag.GetString()!);
                using var full = JsonDocument.Parse(await http.GetStringAsync($"/api/v1/alerts/{alert.GetProperty("id").GetInt64()}"));
                foreach (var o in full.RootElement.GetProperty("observables").EnumerateArray())
                    observables.Add(o.GetProperty("data").GetString()!);
            }
        }

        using var cases = JsonDocument.Parse(await http.GetStringAsync("/api/v1/cases?limit=100"));
        var items = cases.RootElement.GetProperty("items").EnumerateArray().ToList();
        var words = items
            .SelectMany(c => c.GetProperty("title").GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(w => w.Trim(':', ',', '.'))
            .Where(w => w.Length >= 5 && w.All(char.IsLetter))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Take(30)
            .ToList();
        var maxCaseId = items.Count == 0 ? 0 : items.Max(c => c.GetProperty("id").GetInt64());
        if (observables.Count == 0 || tags.Count == 0 || words.Count == 0 || maxCaseId == 0)
            throw new InvalidOperationException("the store has too little data to benchmark; seed it first (quell dev seed)");
        return new Sample(observables.Distinct().ToList(), tags.Order(StringComparer.Ordinal).ToList(), words, maxCaseId);
    }
}
