using System.Data.Common;
using Quell.Observables;

namespace Quell.Files;

/// <summary>What a file observable shows of its content: name, size, hashes and where to download it.</summary>
public sealed record FileSummary(string Name, long Size, string Md5, string Sha1, string Sha256, string ContentType, string Download);

public static class FileSummaries
{
    /// <summary>
    /// Sets <see cref="Observable.File"/> on the file observables of a page whose content is kept, in one statement.
    /// <paramref name="ownerPath"/> is the owner's API path ("/api/v1/cases/12"), the base of the download link.
    /// </summary>
    public static async Task AttachAsync(DbConnection c, long orgId, string ownerPath, IReadOnlyList<Observable>? observables, DbTransaction? tx = null)
    {
        if (observables is null)
            return;
        var named = observables.Where(o => o.DataType == "file").Select(o => (Observable: o, Value: FileValue.Parse(o.Data))).Where(x => x.Value is not null).ToList();
        if (named.Count == 0)
            return;
        var stored = await FileStore.ManyAsync(c, orgId, named.Select(x => x.Value!.Value.Sha256).Distinct().ToArray(), tx);
        foreach (var (o, value) in named)
            if (stored.TryGetValue(value!.Value.Sha256, out var f))
                o.File = new FileSummary(value.Value.Name, f.Size, f.Md5, f.Sha1, f.Sha256, f.ContentType, $"{ownerPath}/observables/{o.Id}/file");
    }
}
