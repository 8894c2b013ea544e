using Microsoft.Data.Sqlite;

namespace Quell.Events;

/// <summary>
/// Appends rows to one SQLite table with multi-row INSERT statements of up to <see cref="RowsPerStatement"/> rows,
/// each statement prepared once per batch. Microsoft.Data.Sqlite opens a data reader and rebinds every parameter on
/// each ExecuteNonQuery; one statement per row made that overhead, not SQLite, most of the event store's write time.
/// </summary>
sealed class SqliteBatchInsert : IDisposable
{
    /// <summary>Rows per statement: large enough to amortise the per-call cost, far below SQLite's 32,766 variables.</summary>
    public const int RowsPerStatement = 64;

    readonly SqliteConnection _connection;
    readonly SqliteTransaction _transaction;
    readonly string _head;
    readonly int _columns;
    readonly object?[] _values;
    readonly Dictionary<int, SqliteCommand> _statements = [];
    int _rows;

    public SqliteBatchInsert(SqliteConnection connection, SqliteTransaction transaction, string table, params string[] columns)
    {
        _connection = connection;
        _transaction = transaction;
        _columns = columns.Length;
        _head = $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ";
        _values = new object?[RowsPerStatement * _columns];
    }

    /// <summary>Adds one row, its values in the order of the columns; full statements are written at once.</summary>
    public void Add(params ReadOnlySpan<object?> row)
    {
        if (row.Length != _columns)
            throw new ArgumentException($"a row of {_head} needs {_columns} values, not {row.Length}", nameof(row));
        row.CopyTo(_values.AsSpan(_rows * _columns));
        if (++_rows == RowsPerStatement)
            Flush();
    }

    /// <summary>Writes the rows added since the last full statement.</summary>
    public void Flush()
    {
        if (_rows == 0)
            return;
        var command = Statement(_rows);
        var parameters = command.Parameters;
        for (var i = 0; i < _rows * _columns; i++)
            parameters[i].Value = _values[i] ?? DBNull.Value;
        command.ExecuteNonQuery();
        Array.Clear(_values, 0, _rows * _columns);
        _rows = 0;
    }

    SqliteCommand Statement(int rows)
    {
        if (_statements.TryGetValue(rows, out var command))
            return command;
        var sql = new System.Text.StringBuilder(_head);
        command = _connection.CreateCommand();
        command.Transaction = _transaction;
        for (var r = 0; r < rows; r++)
        {
            sql.Append(r == 0 ? "(" : ", (");
            for (var c = 0; c < _columns; c++)
            {
                var name = $"$p{(r * _columns) + c}";
                sql.Append(c == 0 ? "" : ", ").Append(name);
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            }
            sql.Append(')');
        }
        command.CommandText = sql.ToString();
        command.Prepare();
        _statements[rows] = command;
        return command;
    }

    public void Dispose()
    {
        foreach (var command in _statements.Values)
            command.Dispose();
    }
}
