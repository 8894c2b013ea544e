using Quell.Intel.Stix;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Stix;

public class PatternParserFuzzTests
{
    /// <summary>
    /// Mutations of the spec examples (bytes dropped, duplicated, swapped, replaced by grammar characters): the parser
    /// either returns a tree whose text parses again, or throws StixPatternException with an offset inside the
    /// input; never anything else. Seeded, so a failure reproduces.
    /// </summary>
    [Fact]
    public void Mutated_patterns_parse_or_fail_with_a_pattern_error_only()
    {
        var seeds = File.ReadAllLines(TestData.Shared("stix", "pattern-spec-examples.txt")).Where(l => l.Trim().Length > 0).ToArray();
        const string alphabet = "[]()'\\:.,*=!<>-+ 0123456789abhtANDORNOTINSTARTWITHINREPEATS";
        var random = new Random(20261128);
        int parsed = 0, rejected = 0;
        for (var n = 0; n < 20_000; n++)
        {
            var chars = seeds[random.Next(seeds.Length)].ToList();
            for (var m = random.Next(1, 4); m > 0 && chars.Count > 0; m--)
            {
                var at = random.Next(chars.Count);
                switch (random.Next(4))
                {
                    case 0: chars.RemoveAt(at); break;
                    case 1: chars.Insert(at, chars[at]); break;
                    case 2: chars[at] = alphabet[random.Next(alphabet.Length)]; break;
                    default: chars.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                }
            }
            var text = new string([.. chars]);
            var ast = PatternParser.TryParse(text, out var error);
            if (ast is null)
            {
                Assert.InRange(error!.Offset, 0, text.Length);
                rejected++;
            }
            else
            {
                Assert.Equal(ast.ToString(), PatternParser.Parse(ast.ToString()).ToString());
                parsed++;
            }
        }
        Assert.True(parsed > 0 && rejected > 0, $"parsed {parsed}, rejected {rejected}");
    }
}
