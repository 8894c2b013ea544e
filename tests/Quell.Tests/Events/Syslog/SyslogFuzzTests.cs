using System.Buffers;
using System.Text;
using Quell.Events.Syslog;

namespace Quell.Tests.Events.Syslog;

/// <summary>
/// Property tests: whatever bytes arrive, the parser returns an event holding them and the framer neither throws nor
/// loses or invents bytes. Seeds are fixed so a failure repeats; the failing input is in the assertion message.
/// </summary>
public class SyslogFuzzTests
{
    static readonly DateTimeOffset Received = new(2026, 11, 29, 2, 0, 0, TimeSpan.Zero);

    /// <summary>Valid messages of every kind, mutated below: random bytes alone rarely get past the PRI.</summary>
    static readonly string[] Seeds =
    [
        "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF'su root' failed",
        "<165>1 2003-10-11T22:14:15.003Z host evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"App\\\"x\\]\"][p@1 class=\"high\"] msg",
        "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
        "<38>Feb  5 17:32:18 web01 sshd[4123]: Accepted publickey for alice",
        "<13>2026-11-28T23:10:01.123456+01:00 host1 CRON[77]: (root) CMD",
        "Sep 19 08:26:10 host CEF:0|Security|threatmanager|1.0|100|worm \\| stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232 msg=a \\= b\\nc rt=1795860000000",
        "<134>1 2026-11-28T10:00:00Z fw01 CEF - - - CEF:0|V|P|1|id|name|3|suser=a\\\\b request=http://x/?a=b rt=Nov 28 2026 10:00:00 UTC",
    ];

    static readonly byte[] Interesting = "<>[]\"\\|= :-.0123456789TZ+\n\r\0\uFEFFCEF:"u8.ToArray();

    [Fact]
    public void Random_bytes_never_throw_and_keep_the_raw_text()
    {
        var parser = new SyslogParser();
        var random = new Random(5424);
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            Check(parser, bytes);
        }
    }

    [Fact]
    public void Mutated_valid_messages_never_throw()
    {
        var parser = new SyslogParser(new SyslogParserOptions { BsdTimeZone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York") });
        var random = new Random(3164);
        for (var i = 0; i < 50_000; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(Seeds[random.Next(Seeds.Length)]).ToList();
            var edits = random.Next(1, 6);
            for (var k = 0; k < edits && bytes.Count > 0; k++)
            {
                var at = random.Next(bytes.Count);
                switch (random.Next(4))
                {
                    case 0:
                        bytes.RemoveAt(at);
                        break;
                    case 1:
                        bytes.Insert(at, Interesting[random.Next(Interesting.Length)]);
                        break;
                    case 2:
                        bytes[at] = Interesting[random.Next(Interesting.Length)];
                        break;
                    default:
                        bytes.RemoveRange(at, bytes.Count - at);
                        break;
                }
            }
            Check(parser, [.. bytes]);
        }
    }

    static void Check(SyslogParser parser, byte[] bytes)
    {
        try
        {
            var e = parser.Parse(bytes, Received);
            Assert.Equal(Encoding.UTF8.GetString(bytes), e.Raw);
            Assert.True(e.Fields.ContainsKey(SyslogFields.Priority), "every event has a priority");
            Assert.True(e.Fields.ContainsKey(SyslogFields.Message) || e.Fields.ContainsKey(SyslogFields.ParseError), "every event has a message or an error");
            foreach (var (name, value) in e.Fields)
                Assert.True(value is null or string or long or double or bool or IReadOnlyList<object?>, $"{name} has a value of type {value?.GetType()}");
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"parser threw {ex.GetType().Name} on {Convert.ToHexString(bytes)}: {ex}");
        }
    }

    [Fact]
    public void Framer_on_random_streams_never_throws_and_accounts_for_every_byte()
    {
        var random = new Random(6587);
        for (var round = 0; round < 2_000; round++)
        {
            var stream = new byte[random.Next(0, 2_000)];
            for (var i = 0; i < stream.Length; i++)
                stream[i] = random.Next(3) == 0 ? Interesting[random.Next(Interesting.Length)] : (byte)random.Next(256);
            var framer = new SyslogFramer(random.Next(1, 300));
            var pending = new List<byte>();
            long delivered = 0;
            var offset = 0;
            try
            {
                while (true)
                {
                    var take = Math.Min(random.Next(1, 200), stream.Length - offset);
                    pending.AddRange(stream.AsSpan(offset, take));
                    offset += take;
                    var completed = offset == stream.Length;
                    var buffer = new ReadOnlySequence<byte>([.. pending]);
                    while (framer.TryRead(ref buffer, completed, out var frame))
                    {
                        Assert.True(frame.Data.Length <= stream.Length);
                        delivered += frame.Data.Length;
                    }
                    pending.RemoveRange(0, pending.Count - (int)buffer.Length);
                    if (completed)
                        break;
                }
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"framer threw {ex.GetType().Name} on {Convert.ToHexString(stream)}: {ex}");
            }
            Assert.Empty(pending);
            Assert.True(delivered <= stream.Length, "the framer delivered more bytes than it was given");
        }
    }
}
