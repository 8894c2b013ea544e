using System.Text;
using Quell.Events.Receivers;

namespace Quell.Tests.Events.Receivers;

public sealed class OtlpLogsTests
{
    // The example request of the OpenTelemetry protocol's repository (examples/logs.json), trimmed.
    const string Example = """
        {"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"my.service"}},
          {"key":"host.name","value":{"stringValue":"web-01"}}]},
          "scopeLogs":[{"scope":{"name":"my.library","version":"1.0.0"},
            "logRecords":[{"timeUnixNano":"1544712660300000000","observedTimeUnixNano":"1544712660300000000",
              "severityNumber":10,"severityText":"Information","traceId":"5b8efff798038103d269b633813fc60c",
              "spanId":"eee19b7ec3c1b174","body":{"stringValue":"Example log record"},
              "attributes":[{"key":"string.attribute","value":{"stringValue":"some string"}},
                {"key":"int.attribute","value":{"intValue":"10"}},{"key":"double.attribute","value":{"doubleValue":637.704}},
                {"key":"boolean.attribute","value":{"boolValue":true}},
                {"key":"array.attribute","value":{"arrayValue":{"values":[{"stringValue":"many"},{"stringValue":"values"}]}}},
                {"key":"map.attribute","value":{"kvlistValue":{"values":[{"key":"some.map.key","value":{"stringValue":"some value"}}]}}},
                {"key":"source.ip","value":{"stringValue":"198.51.100.7"}}]}]}]}]}
        """;

    [Fact]
    public void The_protocol_example_becomes_one_event_with_resource_record_and_trace_fields()
    {
        var (events, rejected, error) = OtlpLogs.Parse(Encoding.UTF8.GetBytes(Example), 1000);

        Assert.Null(error);
        Assert.Empty(rejected);
        var e = Assert.Single(events!).Fields;
        Assert.Equal("my.service", e["service.name"]);
        Assert.Equal("web-01", e["host.name"]);
        Assert.Equal("my.library", e["log.logger"]);
        Assert.Equal("Example log record", e["message"]);
        Assert.Equal("Information", e["log.level"]);
        Assert.Equal(10L, e["event.severity"]);
        Assert.Equal("5b8efff798038103d269b633813fc60c", e["trace.id"]);
        Assert.Equal(10L, e["int.attribute"]);
        Assert.Equal(637.704, e["double.attribute"]);
        Assert.Equal(true, e["boolean.attribute"]);
        Assert.Equal(["many", "values"], ((IEnumerable<object?>)e["array.attribute"]!).Cast<string>());
        Assert.Equal("some value", e["map.attribute.some.map.key"]);
        Assert.Contains("198.51.100.7", (IEnumerable<object?>)e["related.ip"]!);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1544712660300), Single(events).Timestamp);
        Assert.Contains("Example log record", Single(events).Raw, StringComparison.Ordinal);
    }

    static Quell.Events.IncomingEvent Single(List<Quell.Events.IncomingEvent>? events) => Assert.Single(events!);

    [Fact]
    public void A_record_with_an_unreadable_time_is_rejected_and_the_others_kept()
    {
        var body = """
            {"resourceLogs":[{"scopeLogs":[{"logRecords":[
              {"timeUnixNano":"yesterday","body":{"stringValue":"bad"}},
              {"timeUnixNano":1544712660300000000,"body":{"kvlistValue":{"values":[{"key":"user.name","value":{"stringValue":"bob"}}]}}}]}]}]}
            """;

        var (events, rejected, error) = OtlpLogs.Parse(Encoding.UTF8.GetBytes(body), 1000);

        Assert.Null(error);
        Assert.Contains("timeUnixNano", Assert.Single(rejected), StringComparison.Ordinal);
        Assert.Equal("bob", Assert.Single(events!).Fields["user.name"]);
    }

    [Theory]
    [InlineData("{\"resourceLogs\":", "not valid JSON")]
    [InlineData("[1]", "ExportLogsServiceRequest")]
    [InlineData("{\"resourceLogs\":{}}", "must be an array")]
    public void A_body_that_is_not_a_request_is_an_error(string body, string expected)
    {
        var (events, _, error) = OtlpLogs.Parse(Encoding.UTF8.GetBytes(body), 1000);

        Assert.Null(events);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_request_is_valid()
    {
        var (events, rejected, error) = OtlpLogs.Parse("{}"u8, 10);

        Assert.Null(error);
        Assert.Empty(events!);
        Assert.Empty(rejected);
    }
}
