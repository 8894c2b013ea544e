using System.Globalization;

namespace Quell.Events;

/// <summary>
/// Names of the day partitions: events_r{retention days}_d{yyyyMMdd} and its index of related values
/// (…_related). Sources with the same retention share partitions, so every partition expires as a whole.
/// </summary>
public static class EventPartitions
{
    public const int MinRetentionDays = 1;
    public const int MaxRetentionDays = 36_500;

    /// <summary>The UTC day of a Unix-milliseconds time as yyyyMMdd.</summary>
    public static int Day(long unixMs)
    {
        var d = DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime;
        return d.Year * 10_000 + d.Month * 100 + d.Day;
    }

    public static long DayStart(int day) =>
        new DateTimeOffset(day / 10_000, day / 100 % 100, day % 100, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    public static string Table(int retentionDays, int day) =>
        string.Create(CultureInfo.InvariantCulture, $"events_r{retentionDays}_d{day}");

    public static string RelatedTable(string table) => table + "_related";

    /// <summary>True when a partition of <paramref name="day"/> kept <paramref name="retentionDays"/> days has expired at <paramref name="now"/>.</summary>
    public static bool Expired(int day, int retentionDays, DateTimeOffset now) =>
        DayStart(day) + (long)(retentionDays + 1) * 86_400_000 <= now.ToUnixTimeMilliseconds();

    /// <summary>
    /// The DDL of a partition (ids are given by the store; on SQLite the id is the rowid, with no second index). On
    /// SQLite the related-value table is its own index (WITHOUT ROWID, keyed by org, value, time and event): a rowid
    /// table beside an index wrote every value twice (decision 175); partitions made before keep their layout.
    /// </summary>
    public static string CreateSql(string table, Quell.Storage.Dialect dialect)
    {
        var sqlite = dialect == Quell.Storage.Dialect.Sqlite;
        var related = RelatedTable(table);
        var relatedEnd = sqlite
            ? ",\n  PRIMARY KEY (org_id, value, event_time, event_id)\n) WITHOUT ROWID;"
            : $"\n);\nCREATE INDEX IF NOT EXISTS ix_{related} ON {related}(org_id, value, event_time);";
        return $"""
            CREATE TABLE IF NOT EXISTS {table} (
              id {(sqlite ? "INTEGER" : "BIGINT NOT NULL")} PRIMARY KEY,
              org_id BIGINT NOT NULL,
              received_at BIGINT NOT NULL,
              event_time BIGINT NOT NULL,
              source TEXT NOT NULL,
              raw TEXT NOT NULL,
              fields TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS ix_{table}_time ON {table}(org_id, event_time, id);
            CREATE TABLE IF NOT EXISTS {related} (
              org_id BIGINT NOT NULL,
              value TEXT NOT NULL,
              event_time BIGINT NOT NULL,
              event_id BIGINT NOT NULL{relatedEnd}
            """;
    }

    /// <summary>True for a name this class makes (the only names ever put into SQL as identifiers).</summary>
    public static bool IsPartitionName(string name) =>
        System.Text.RegularExpressions.Regex.IsMatch(name, "^events_r[0-9]{1,5}_d[0-9]{8}$");
}
