using System.Globalization;
using System.Text;

namespace Quell.Intel.Stix;

/// <summary>
/// A parsed STIX 2.1 pattern (STIX 2.1 part 9). Observation expressions combine <c>[ ... ]</c> observations with
/// AND, OR and FOLLOWEDBY and carry qualifiers; inside an observation, comparison expressions combine property tests
/// with AND and OR. <see cref="ToString"/> writes the canonical text back (one space around operators).
/// </summary>
public abstract record ObservationExpression
{
    public abstract override string ToString();
}

/// <summary><c>[ comparison ]</c>: one observation.</summary>
public sealed record Observation(ComparisonExpression Comparison) : ObservationExpression
{
    public override string ToString() => "[" + Comparison + "]";
}

/// <summary>
/// Observation expressions joined by one operator (AND, OR or FOLLOWEDBY), flat rather than nested so a long chain
/// does not make a deep tree.
/// </summary>
public sealed record ObservationJoin(string Operator, IReadOnlyList<ObservationExpression> Operands) : ObservationExpression
{
    public override string ToString() => "(" + string.Join(" " + Operator + " ", Operands.Select(o => o.ToString())) + ")";
}

/// <summary>An observation expression with a qualifier: WITHIN, REPEATS or START/STOP.</summary>
public sealed record Qualified(ObservationExpression Inner, Qualifier Qualifier) : ObservationExpression
{
    public override string ToString() => Inner + " " + Qualifier;
}

public abstract record Qualifier
{
    public abstract override string ToString();
}

public sealed record WithinQualifier(decimal Seconds) : Qualifier
{
    public override string ToString() => "WITHIN " + Seconds.ToString(CultureInfo.InvariantCulture) + " SECONDS";
}

public sealed record RepeatsQualifier(long Times) : Qualifier
{
    public override string ToString() => "REPEATS " + Times.ToString(CultureInfo.InvariantCulture) + " TIMES";
}

public sealed record StartStopQualifier(Constant Start, Constant Stop) : Qualifier
{
    public override string ToString() => "START " + Start + " STOP " + Stop;
}

/// <summary>The inside of an observation.</summary>
public abstract record ComparisonExpression
{
    public abstract override string ToString();
}

/// <summary>Comparison expressions joined by AND or OR, flat (see <see cref="ObservationJoin"/>).</summary>
public sealed record ComparisonJoin(string Operator, IReadOnlyList<ComparisonExpression> Operands) : ComparisonExpression
{
    public override string ToString() => "(" + string.Join(" " + Operator + " ", Operands.Select(o => o.ToString())) + ")";
}

/// <summary><c>path [NOT] op value</c>; op is one of = != &gt; &lt; &gt;= &lt;= IN LIKE MATCHES ISSUBSET ISSUPERSET.</summary>
public sealed record PropertyTest(ObjectPath Path, string Operator, bool Negated, Constant Value) : ComparisonExpression
{
    public override string ToString() => Path + (Negated ? " NOT " : " ") + Operator + " " + Value;
}

/// <summary><c>EXISTS path</c>.</summary>
public sealed record ExistsTest(ObjectPath Path) : ComparisonExpression
{
    public override string ToString() => "EXISTS " + Path;
}

/// <summary>
/// <c>object-type:property.'quoted key'[0].sub</c>. A step is a property name or a list index (<c>null</c> for
/// <c>[*]</c>).
/// </summary>
public sealed record ObjectPath(string ObjectType, IReadOnlyList<PathStep> Steps)
{
    /// <summary>The steps after the object type, dotted, keys unquoted, indices as <c>[n]</c>/<c>[*]</c>: <c>hashes.SHA-256</c>.</summary>
    public string Property => string.Concat(Steps.Select((s, i) => s.IsIndex ? "[" + (s.Index?.ToString(CultureInfo.InvariantCulture) ?? "*") + "]" : (i == 0 ? "" : ".") + s.Name));

    public override string ToString()
    {
        var sb = new StringBuilder(ObjectType).Append(':');
        for (var i = 0; i < Steps.Count; i++)
        {
            var s = Steps[i];
            if (s.IsIndex)
                sb.Append('[').Append(s.Index?.ToString(CultureInfo.InvariantCulture) ?? "*").Append(']');
            else
            {
                if (i > 0)
                    sb.Append('.');
                sb.Append(PatternText.IsIdentifier(s.Name!) ? s.Name : PatternText.Quote(s.Name!));
            }
        }
        return sb.ToString();
    }
}

/// <summary>One step of an object path: a property (<see cref="Name"/>) or a list index (<see cref="Index"/>, null for *).</summary>
public readonly record struct PathStep(string? Name, bool IsIndex, long? Index)
{
    public static PathStep Property(string name) => new(name, false, null);
    public static PathStep At(long? index) => new(null, true, index);
}

public enum ConstantKind { String, Int, Float, Bool, Binary, Hex, Timestamp, Set }

/// <summary>A literal: <see cref="Text"/> is the decoded value (string content unescaped, hex digits, base64, timestamp text).</summary>
public sealed record Constant(ConstantKind Kind, string Text, IReadOnlyList<Constant>? Items = null)
{
    public override string ToString() => Kind switch
    {
        ConstantKind.String => PatternText.Quote(Text),
        ConstantKind.Binary => "b'" + Text + "'",
        ConstantKind.Hex => "h'" + Text + "'",
        ConstantKind.Timestamp => "t'" + Text + "'",
        ConstantKind.Set => "(" + string.Join(", ", Items!.Select(i => i.ToString())) + ")",
        _ => Text,
    };
}
