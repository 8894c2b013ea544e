namespace Quell.Storage;

/// <summary>The two SQL dialects Quell speaks. SQLite is the embedded default; PostgreSQL is for scale-out.</summary>
public enum Dialect
{
    Sqlite,
    Postgres,
}
