using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Quell.Storage;

namespace Quell.Identity;

/// <summary>
/// Keeps ASP.NET Core Data Protection keys (session cookies, antiforgery, encrypted integration secrets) in the
/// store, so every node of a PostgreSQL scale-out reads the same key ring and a session issued by one node is valid
/// on all. The key ring is read rarely (at start and on rotation), so the synchronous interface is acceptable here.
/// </summary>
public sealed class DataProtectionKeyStore(Db db, TimeProvider time) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements() =>
        db.ReadAsync(async c => (await c.QueryAsync<string>("SELECT xml FROM data_protection_keys ORDER BY id")).Select(x => XElement.Parse(x)).ToList())
            .GetAwaiter().GetResult();

    public void StoreElement(XElement element, string friendlyName) =>
        db.WriteAsync(async (c, tx) => await c.ExecuteAsync(
            "INSERT INTO data_protection_keys (friendly_name, xml, created_at) VALUES (@friendlyName, @xml, @now)",
            new { friendlyName, xml = element.ToString(SaveOptions.DisableFormatting), now = time.GetUtcNow().ToUnixTimeMilliseconds() }, tx))
            .GetAwaiter().GetResult();
}
