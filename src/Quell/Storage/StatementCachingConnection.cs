using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.Sqlite;

namespace Quell.Storage;

/// <summary>
/// The SQLite writer's connection, which keeps its compiled statements: Microsoft.Data.Sqlite compiles a command's SQL
/// again for every new command object (dotnet/efcore#14044) and Dapper makes a new one per call, so the intake path
/// compiled a dozen statements per alert, a tenth of its CPU time (perf). Commands made here are views over one cached
/// <see cref="SqliteCommand"/> per SQL text, whose compiled statements survive. Only for the single writer, which uses
/// its connection one command at a time.
/// </summary>
sealed class StatementCachingConnection(SqliteConnection inner) : DbConnection
{
    /// <summary>Distinct SQL texts kept; past this the cache starts over (texts built per request must not pile up).</summary>
    const int MaxStatements = 256;

    readonly Dictionary<string, SqliteCommand> _cache = new(StringComparer.Ordinal);

    public SqliteConnection Inner => inner;

    [AllowNull]
    public override string ConnectionString
    {
        get => inner.ConnectionString;
        set => inner.ConnectionString = value;
    }

    public override string Database => inner.Database;
    public override string DataSource => inner.DataSource;
    public override string ServerVersion => inner.ServerVersion;
    public override ConnectionState State => inner.State;
    public override void ChangeDatabase(string databaseName) => inner.ChangeDatabase(databaseName);
    public override void Open() => inner.Open();
    public override void Close() => inner.Close();

    protected override DbTransaction BeginDbTransaction(IsolationLevel isolationLevel) => inner.BeginTransaction(isolationLevel);

    protected override DbCommand CreateDbCommand() => new CachedCommand(this);

    SqliteCommand Rent(string sql)
    {
        if (!_cache.TryGetValue(sql, out var cmd))
        {
            if (_cache.Count >= MaxStatements)
                Clear();
            cmd = inner.CreateCommand();
            cmd.CommandText = sql;
            _cache[sql] = cmd;
        }
        cmd.Parameters.Clear();
        return cmd;
    }

    void Clear()
    {
        foreach (var cmd in _cache.Values)
            cmd.Dispose();
        _cache.Clear();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Clear();
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        Clear();
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>A command whose SQL text picks the cached <see cref="SqliteCommand"/> it runs on.</summary>
    sealed class CachedCommand(StatementCachingConnection owner) : DbCommand
    {
        readonly SqliteParameterCollection _parameters = new SqliteCommand().Parameters;
        string _text = "";

        [AllowNull]
        public override string CommandText
        {
            get => _text;
            set => _text = value ?? "";
        }

        public override int CommandTimeout { get; set; } = 30;
        public override CommandType CommandType { get; set; } = CommandType.Text;
        public override bool DesignTimeVisible { get; set; }
        public override UpdateRowSource UpdatedRowSource { get; set; }
        protected override DbConnection? DbConnection { get => owner; set => throw new NotSupportedException(); }
        protected override DbParameterCollection DbParameterCollection => _parameters;
        protected override DbTransaction? DbTransaction { get; set; }

        public override void Cancel()
        {
        }

        public override void Prepare()
        {
        }

        protected override DbParameter CreateDbParameter() => new SqliteParameter();

        SqliteCommand Bind()
        {
            if (CommandType != CommandType.Text)
                throw new NotSupportedException("SQLite runs SQL text only");
            var cmd = owner.Rent(_text);
            cmd.Transaction = (SqliteTransaction?)DbTransaction;
            cmd.CommandTimeout = CommandTimeout;
            foreach (SqliteParameter p in _parameters)
                cmd.Parameters.Add(p);
            return cmd;
        }

        public override int ExecuteNonQuery() => Bind().ExecuteNonQuery();

        public override object? ExecuteScalar() => Bind().ExecuteScalar();

        protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => Bind().ExecuteReader(behavior);
    }
}
