using System.Net;
using System.Text.RegularExpressions;

namespace Quell.Detection.Sigma;

/// <summary>One value test of a field. <c>found</c> is false when the event has no such field.</summary>
internal abstract class SigmaValueMatcher
{
    public abstract bool Matches(bool found, SigmaValue value, ISigmaEvent e);

    /// <summary>Text every matching value must contain (case-insensitively), for the prefilter; null if none.</summary>
    public virtual string? RequiredText => null;

    /// <summary>Scalar test applied to a scalar, or to any item of an array.</summary>
    internal abstract class Scalar : SigmaValueMatcher
    {
        public sealed override bool Matches(bool found, SigmaValue value, ISigmaEvent e)
        {
            if (!found)
                return false;
            if (value.Kind == SigmaValueKind.Array)
            {
                foreach (var item in value.Items!)
                    if (item.IsScalar && Test(item))
                        return true;
                return false;
            }
            return value.IsScalar && Test(value);
        }

        protected abstract bool Test(SigmaValue value);
    }

    internal sealed class Text(SigmaStringMatcher matcher) : Scalar
    {
        public SigmaStringMatcher Matcher => matcher;

        public override string? RequiredText => matcher.Pattern.LongestLiteral();

        protected override bool Test(SigmaValue value) => matcher.IsMatch(value.Text);
    }

    internal sealed class Pattern(Regex regex) : Scalar
    {
        readonly string? _required = SigmaRegexLiteral.Of(regex.ToString(), regex.Options);

        public Regex Regex => regex;

        public override string? RequiredText => _required;

        protected override bool Test(SigmaValue value)
        {
            try
            {
                return regex.IsMatch(value.Text);
            }
            catch (RegexMatchTimeoutException)
            {
                // A pathological value for a backtracking pattern: no match rather than a stalled pipeline.
                return false;
            }
        }
    }

    internal sealed class Cidr(IPNetwork network) : Scalar
    {
        protected override bool Test(SigmaValue value) =>
            IPAddress.TryParse(value.Text, out var address) && network.Contains(address.IsIPv4MappedToIPv6 && network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? address.MapToIPv4() : address);
    }

    internal sealed class Compare(string op, double bound) : Scalar
    {
        protected override bool Test(SigmaValue value) =>
            value.Kind != SigmaValueKind.Boolean && value.TryGetNumber(out var n) && op switch
            {
                "gt" => n > bound,
                "gte" => n >= bound,
                "lt" => n < bound,
                _ => n <= bound,
            };
    }

    /// <summary><c>field: null</c>: the field is missing or null (or empty, as Sigma backends treat it).</summary>
    internal sealed class IsNull : SigmaValueMatcher
    {
        public override bool Matches(bool found, SigmaValue value, ISigmaEvent e) =>
            !found || value.Kind == SigmaValueKind.Null || (value.Kind == SigmaValueKind.String && value.Text.Length == 0);
    }

    internal sealed class Exists(bool expected) : SigmaValueMatcher
    {
        public override bool Matches(bool found, SigmaValue value, ISigmaEvent e) => found == expected;
    }

    /// <summary><c>|fieldref</c>: the field equals another field of the same event.</summary>
    internal sealed class FieldRef(string other, StringComparison comparison) : SigmaValueMatcher
    {
        public override bool Matches(bool found, SigmaValue value, ISigmaEvent e) =>
            found && value.IsScalar && e.TryGetValue(other, out var o) && o.IsScalar && string.Equals(value.Text, o.Text, comparison);
    }
}
