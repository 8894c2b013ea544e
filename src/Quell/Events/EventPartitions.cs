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
    /// On SQLite, the table that holds a partition's related values in value order (WITHOUT ROWID, keyed by org, value,
    /// time and event), for partitions made since decision 182; <see cref="RelatedTable"/> is then a view over it and
    /// <see cref="RelatedPendingTable"/>.
    /// </summary>
    public static string RelatedMainTable(string table) => table + "_related_main";

    /// <summary>
    /// On SQLite, the pending list of a partition's related values: rows in arrival order, no index, moved into
    /// <see cref="RelatedMainTable"/> in value order once there are enough of them (decision 182).
    /// </summary>
    public static string RelatedPendingTable(string table) => table + "_related_pending";

    /// <summary>
    /// On SQLite, the time-ordered index of a partition made since decision 220 (WITHOUT ROWID, keyed by org, event time
    /// and id), which search walks newest first; such a partition has no index on its event table.
    /// </summary>
    public static string TimeMainTable(string table) => table + "_time_main";

    /// <summary>
    /// On SQLite, the pending list of a partition's (org, event time, id): a small time-ordered table (WITHOUT ROWID, it
    /// stays in the page cache, and search walks it like the big one), moved into <see cref="TimeMainTable"/> in bulk
    /// once it holds enough rows (decision 220).
    /// </summary>
    public static string TimePendingTable(string table) => table + "_time_pending";

    /// <summary>
    /// The DDL of a partition (ids are given by the store; on SQLite the id is the rowid). On SQLite the related values
    /// live in two tables behind one view that every reader queries: the value-ordered table (its own index, decision
    /// 175) and a pending list appended to by ingest and merged into it in bulk (decision 182); the time index is kept
    /// the same way, in a time-ordered table and a pending list beside the event table (decision 220). Partitions made
    /// before keep their layout (a plain related table; an index on the event table's time).
    /// </summary>
    public static string CreateSql(string table, Quell.Storage.Dialect dialect)
    {
        var sqlite = dialect == Quell.Storage.Dialect.Sqlite;
        var related = RelatedTable(table);
        const string columns = "org_id BIGINT NOT NULL,\n  value TEXT NOT NULL,\n  event_time BIGINT NOT NULL,\n  event_id BIGINT NOT NULL";
        const string timeColumns = "org_id BIGINT NOT NULL,\n  event_time BIGINT NOT NULL,\n  id BIGINT NOT NULL";
        var timeSql = sqlite
            ? $"""
              CREATE TABLE IF NOT EXISTS {TimeMainTable(table)} (
                {timeColumns},
                PRIMARY KEY (org_id, event_time, id)
              ) WITHOUT ROWID;
              CREATE TABLE IF NOT EXISTS {TimePendingTable(table)} (
                {timeColumns},
                PRIMARY KEY (org_id, event_time, id)
              ) WITHOUT ROWID;
              """
            : $"CREATE INDEX IF NOT EXISTS ix_{table}_time ON {table}(org_id, event_time, id);";
        var relatedSql = sqlite
            ? $"""
              CREATE TABLE IF NOT EXISTS {RelatedMainTable(table)} (
                {columns},
                PRIMARY KEY (org_id, value, event_time, event_id)
              ) WITHOUT ROWID;
              CREATE TABLE IF NOT EXISTS {RelatedPendingTable(table)} (
                {columns}
              );
              CREATE VIEW IF NOT EXISTS {related} AS
                SELECT org_id, value, event_time, event_id FROM {RelatedMainTable(table)}
                UNION ALL SELECT org_id, value, event_time, event_id FROM {RelatedPendingTable(table)};
              """
            : $"""
              CREATE TABLE IF NOT EXISTS {related} (
                {columns}
              );
              CREATE INDEX IF NOT EXISTS ix_{related} ON {related}(org_id, value, event_time);
              """;
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
            {timeSql}
            {relatedSql}
            """;
    }

    /// <summary>
    /// The DDL that drops a partition whole. <paramref name="relatedIsView"/>: the partition has the SQLite layout of
    /// decision 182 (a view over the value-ordered table and the pending list), which DROP TABLE refuses; the time tables
    /// of decision 220 go with it when the partition has them.
    /// </summary>
    public static string DropSql(string table, bool relatedIsView) => relatedIsView
        ? $"DROP VIEW IF EXISTS {RelatedTable(table)}; DROP TABLE IF EXISTS {RelatedMainTable(table)}; DROP TABLE IF EXISTS {RelatedPendingTable(table)}; DROP TABLE IF EXISTS {TimeMainTable(table)}; DROP TABLE IF EXISTS {TimePendingTable(table)}; DROP TABLE IF EXISTS {table};"
        : $"DROP TABLE IF EXISTS {RelatedTable(table)}; DROP TABLE IF EXISTS {table};";

    /// <summary>True for a name this class makes (the only names ever put into SQL as identifiers).</summary>
    public static bool IsPartitionName(string name) =>
        System.Text.RegularExpressions.Regex.IsMatch(name, "^events_r[0-9]{1,5}_d[0-9]{8}$");
}
