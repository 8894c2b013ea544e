using System.Buffers;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace Quell.Storage;

/// <summary>
/// The rows of a multi-row INSERT, so that code writing many rows at once (a retro-hunt's alerts) runs one statement
/// per chunk instead of one per row. Use as <c>INSERT INTO t (a, b) {rows} [ON CONFLICT …]</c>; rows are inserted
/// in list order on both dialects (ids follow it).
/// </summary>
public static class MultiRowValues
{
    /// <summary>
    /// PostgreSQL: <c>VALUES (@v0_0, …), …</c>, every value its own parameter (Npgsql binds by position). SQLite: one
    /// JSON array of rows read through <c>json_each</c>: Microsoft.Data.Sqlite binds each parameter by name and SQLite
    /// finds a name by a linear scan, so a statement of n parameters binds in n² string comparisons (with 540 parameters
    /// this took a third of a retro-hunt's CPU, perf).
    /// </summary>
    public static string Rows<T>(DbConnection c, DynamicParameters p, IReadOnlyList<T> rows, params Func<T, object?>[] columns) =>
        c is NpgsqlConnection ? Values(p, rows, columns) : JsonRows(p, rows, columns);

    static string Values<T>(DynamicParameters p, IReadOnlyList<T> rows, Func<T, object?>[] columns)
    {
        var sql = new StringBuilder("VALUES ");
        for (var r = 0; r < rows.Count; r++)
        {
            sql.Append(r == 0 ? "(" : ", (");
            for (var c = 0; c < columns.Length; c++)
            {
                var name = string.Create(CultureInfo.InvariantCulture, $"v{r}_{c}");
                p.Add(name, columns[c](rows[r]));
                sql.Append(c == 0 ? "@" : ", @").Append(name);
            }
            sql.Append(')');
        }
        return sql.ToString();
    }

    static string JsonRows<T>(DynamicParameters p, IReadOnlyList<T> rows, Func<T, object?>[] columns)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            foreach (var row in rows)
            {
                w.WriteStartArray();
                foreach (var column in columns)
                    switch (column(row))
                    {
                        case null: w.WriteNullValue(); break;
                        case long l: w.WriteNumberValue(l); break;
                        case int i: w.WriteNumberValue(i); break;
                        // SQLite has no boolean: Microsoft.Data.Sqlite stores bool as 0/1, and so does this.
                        case bool b: w.WriteNumberValue(b ? 1 : 0); break;
                        case string s: w.WriteStringValue(s); break;
                        case var v: throw new ArgumentException($"no JSON row mapping for a value of type {v.GetType()}", nameof(columns));
                    }
                w.WriteEndArray();
            }
            w.WriteEndArray();
        }
        p.Add("json_rows", Encoding.UTF8.GetString(buffer.WrittenSpan));
        // WHERE true: without it SQLite would read a following ON CONFLICT as a join constraint (documented parsing ambiguity).
        return "SELECT " + string.Join(", ", columns.Select((_, i) => string.Create(CultureInfo.InvariantCulture, $"value ->> {i}"))) +
            " FROM json_each(@json_rows) WHERE true ORDER BY key";
    }
}
