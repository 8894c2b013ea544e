using System.Text;
using Quell.Events.Receivers;

namespace Quell.Tests.Events.Receivers;

public sealed class ElasticBulkTests
{
    static (List<BulkItem>? Items, string? Error) Parse(string body, string? index = null, int max = 1000) =>
        ElasticBulk.Parse(Encoding.UTF8.GetBytes(body), index, max);

    [Fact]
    public void Index_and_create_actions_carry_their_source_as_a_normalized_event()
    {
        var (items, error) = Parse("""
            {"create":{"_index":"filebeat-8.11.0","_id":"a1"}}
            {"@timestamp":"2026-11-28T10:00:00.000Z","host":{"name":"web-01"},"source":{"ip":"203.0.113.9"},"message":"GET /login"}
            {"index":{}}
            {"message":"second","user":{"name":"alice"}}

            """, index: "logs");

        Assert.Null(error);
        Assert.Equal(2, items!.Count);
        Assert.Equal(("create", "filebeat-8.11.0", "a1", 201), (items[0].Action, items[0].Index, items[0].Id, items[0].Status));
        var first = items[0].Event!;
        Assert.Equal("web-01", first.Fields["host.name"]);
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero), first.Timestamp);
        Assert.Contains("203.0.113.9", (IEnumerable<object?>)first.Fields["related.ip"]!);
        Assert.Equal("filebeat-8.11.0", first.Fields["_index"]);
        Assert.Equal(("index", "logs"), (items[1].Action, items[1].Index));
        Assert.Equal("alice", items[1].Event!.Fields["user.name"]);
    }

    [Fact]
    public void A_broken_source_fails_its_item_only_and_update_and_delete_are_refused_per_item()
    {
        var (items, error) = Parse("""
            {"index":{"_index":"x"}}
            {"message": "ok"}
            {"index":{"_index":"x"}}
            {"message": "truncated
            {"delete":{"_index":"x","_id":"1"}}
            {"update":{"_index":"x","_id":"1"}}
            {"doc":{"a":1}}
            {"create":{"_index":"x"}}
            [1,2]
            """);

        Assert.Null(error);
        Assert.NotNull(items);
        Assert.Equal([201, 400, 400, 400, 400], items.Select(i => i.Status));
        Assert.Equal("document_parsing_exception", items[1].ErrorType);
        Assert.Contains("append-only", items[2].Reason, StringComparison.Ordinal);
        Assert.Contains("append-only", items[3].Reason, StringComparison.Ordinal);
        Assert.Contains("not an object", items[4].Reason, StringComparison.Ordinal);
        Assert.All(items.Skip(1), i => Assert.Null(i.Event));
    }

    [Theory]
    [InlineData("{\"index\":{}}\n{\"a\":1}\n", "index is missing")]
    [InlineData("\"index\"\n{}\n", "expected START_OBJECT")]
    [InlineData("{\"upsert\":{\"_index\":\"x\"}}\n{}\n", "expected one of [create, delete, index, update]")]
    [InlineData("{\"index\":{\"_index\":\"x\"}}\n", "has no source line")]
    [InlineData("{\"index\":{\"_index\":\"x\"\n{}\n", "Malformed action/metadata line [1]")]
    public void A_malformed_action_line_fails_the_whole_request(string body, string expected)
    {
        var (items, error) = Parse(body);

        Assert.Null(items);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void More_actions_than_allowed_fail_the_request_naming_the_limit()
    {
        var body = string.Concat(Enumerable.Repeat("{\"index\":{\"_index\":\"x\"}}\n{\"m\":1}\n", 3));

        Assert.Contains("more than 2 actions", Parse(body, max: 2).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(7);
        var alphabet = "{}[]\":,\n\r\t indexcreate_0123456789\\\u00e9"u8.ToArray();
        for (var n = 0; n < 5000; n++)
        {
            var bytes = new byte[random.Next(0, 200)];
            for (var i = 0; i < bytes.Length; i++)
                bytes[i] = random.Next(10) == 0 ? (byte)random.Next(256) : alphabet[random.Next(alphabet.Length)];
            var (items, error) = ElasticBulk.Parse(bytes, "x", 1000);
            Assert.True(items is not null ^ error is not null);
        }
    }
}
