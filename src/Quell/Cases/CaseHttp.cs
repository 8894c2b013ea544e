using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Quell.Http;

namespace Quell.Cases;

/// <summary>What every case endpoint does the same way: read and validate a body, refuse additions to merged cases.</summary>
internal static class CaseHttp
{
    /// <summary>Reads the body and runs <paramref name="parse"/>; any problem (empty, not JSON, invalid field) becomes the error result.</summary>
    public static async Task<(T? Value, IResult? Error)> ParseAsync<T>(HttpRequest request, Func<JsonElement, InputErrors, T?> parse, CancellationToken ct, int maxBytes = JsonBody.DefaultMaxBytes)
        where T : class
    {
        var (doc, error) = await JsonBody.ReadAsync(request, maxBytes, ct);
        if (error is not null)
            return (null, error);
        using var _ = doc;
        var errors = new InputErrors();
        var value = parse(doc!.RootElement, errors);
        return value is null || errors.Any ? (null, Problems.Invalid(errors)) : (value, null);
    }

    /// <summary>A merged case is closed for additions: its work continues in the case it was merged into.</summary>
    public static IResult? RefuseIfMerged(CaseRow row) =>
        row.MergedInto is { } into
            ? Problems.Conflict($"case {row.Id} was merged into case {into}; add to case {into} instead")
            : null;

    public static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}
