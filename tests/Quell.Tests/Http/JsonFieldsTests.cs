using System.Text.Json;
using Quell.Http;

namespace Quell.Tests.Http;

/// <summary>Every reader of <see cref="JsonFields"/>: its value when valid, and the field path and message when not.</summary>
public sealed class JsonFieldsTests
{
    static (JsonFields Fields, InputErrors Errors) Fields(string json, string prefix = "")
    {
        var errors = new InputErrors();
        return (new JsonFields(JsonDocument.Parse(json).RootElement, errors, prefix), errors);
    }

    static void AssertError(InputErrors errors, string field, string message)
    {
        var all = errors.ToDictionary();
        Assert.True(all.ContainsKey(field), $"no error for {field}; errors: {errors.Summary()}");
        Assert.Equal([message], all[field]);
    }

    [Theory]
    [InlineData("[1]", "", "body", "body must be a JSON object")]
    [InlineData("\"text\"", "", "body", "body must be a JSON object")]
    [InlineData("null", "[3].", "[3]", "[3] must be a JSON object")]
    [InlineData("5", "alert.", "alert", "alert must be a JSON object")]
    public void ForObject_names_a_body_that_is_not_an_object(string json, string prefix, string field, string message)
    {
        var errors = new InputErrors();
        Assert.Null(JsonFields.ForObject(JsonDocument.Parse(json).RootElement, errors, prefix));
        AssertError(errors, field, message);
    }

    [Fact]
    public void String_reads_a_value_and_treats_null_as_absent()
    {
        var (f, errors) = Fields("""{"a":" x ","n":null}""");
        Assert.Equal(" x ", f.String("a"));
        Assert.Null(f.String("n"));
        Assert.Null(f.String("missing"));
        Assert.False(errors.Any);
        Assert.False(f.Has("n"));
        Assert.True(f.Has("a"));
    }

    [Theory]
    [InlineData("""{}""", "title is required")]
    [InlineData("""{"title":null}""", "title is required")]
    [InlineData("""{"title":5}""", "title must be a string")]
    [InlineData("""{"title":["x"]}""", "title must be a string")]
    [InlineData("""{"title":""}""", "title must not be empty")]
    [InlineData("""{"title":"  "}""", "title must not be empty")]
    [InlineData("""{"title":"12345"}""", "title must be at most 4 characters")]
    [InlineData("""{"title":"a\u0000b"}""", "title must not contain the NUL character (\\u0000)")]
    public void String_errors_name_the_field(string json, string message)
    {
        var (f, errors) = Fields(json);
        Assert.Null(f.String("title", required: true, maxLength: 4));
        AssertError(errors, "title", message);
    }

    [Fact]
    public void String_may_allow_empty_text_and_prefixes_the_path()
    {
        var (f, errors) = Fields("""{"d":"","t":7}""", "[2].");
        Assert.Equal("", f.String("d", allowEmpty: true));
        Assert.Null(f.String("t"));
        AssertError(errors, "[2].t", "[2].t must be a string");
    }

    [Theory]
    [InlineData("""{"n":3}""", 3)]
    [InlineData("""{"n":1}""", 1)]
    [InlineData("""{"n":4}""", 4)]
    [InlineData("""{"n":null}""", null)]
    [InlineData("""{}""", null)]
    public void Int_reads_values_in_range(string json, int? expected)
    {
        var (f, errors) = Fields(json);
        Assert.Equal(expected, f.Int("n", 1, 4));
        Assert.False(errors.Any);
    }

    [Theory]
    [InlineData("""{"n":0}""", "n must be 1-4")]
    [InlineData("""{"n":5}""", "n must be 1-4")]
    [InlineData("""{"n":"3"}""", "n must be an integer from 1 to 4")]
    [InlineData("""{"n":2.5}""", "n must be an integer from 1 to 4")]
    [InlineData("""{"n":1e20}""", "n must be an integer from 1 to 4")]
    [InlineData("""{"n":true}""", "n must be an integer from 1 to 4")]
    public void Int_errors_name_the_range(string json, string message)
    {
        var (f, errors) = Fields(json);
        Assert.Null(f.Int("n", 1, 4));
        AssertError(errors, "n", message);
    }

    [Fact]
    public void Int_uses_the_given_message_and_reports_a_missing_required_value()
    {
        var (f, errors) = Fields("""{"severity":9}""");
        Assert.Null(f.Int("severity", 1, 4, rangeMessage: "severity must be 1-4 (low to critical)"));
        Assert.Null(f.Int("count", 0, 10, required: true));
        AssertError(errors, "severity", "severity must be 1-4 (low to critical)");
        AssertError(errors, "count", "count is required");
    }

    [Theory]
    [InlineData("""{"b":true}""", true)]
    [InlineData("""{"b":false}""", false)]
    [InlineData("""{}""", null)]
    public void Bool_reads_json_booleans(string json, bool? expected)
    {
        var (f, errors) = Fields(json);
        Assert.Equal(expected, f.Bool("b"));
        Assert.False(errors.Any);
    }

    [Theory]
    [InlineData("""{"b":"true"}""")]
    [InlineData("""{"b":1}""")]
    [InlineData("""{"b":{}}""")]
    public void Bool_refuses_other_values(string json)
    {
        var (f, errors) = Fields(json);
        Assert.Null(f.Bool("b"));
        AssertError(errors, "b", "b must be true or false");
    }

    [Fact]
    public void Strings_trims_and_removes_repeats()
    {
        var (f, errors) = Fields("""{"tags":[" a","b","a ","b"]}""");
        Assert.Equal(["a", "b"], f.Strings("tags")!);
        Assert.False(errors.Any);
    }

    [Theory]
    [InlineData("""{"tags":"a"}""", "tags", "tags must be an array of strings")]
    [InlineData("""{"tags":["a","b","c"]}""", "tags", "tags must have at most 2 items")]
    [InlineData("""{"tags":["a",1]}""", "tags[1]", "tags[1] must be a non-empty string")]
    [InlineData("""{"tags":[" "]}""", "tags[0]", "tags[0] must be a non-empty string")]
    [InlineData("""{"tags":[null]}""", "tags[0]", "tags[0] must be a non-empty string")]
    [InlineData("""{"tags":["toolong"]}""", "tags[0]", "tags[0] must be at most 5 characters")]
    [InlineData("""{"tags":["a\u0000"]}""", "tags[0]", "tags[0] must not contain the NUL character (\\u0000)")]
    public void Strings_errors_name_the_item(string json, string field, string message)
    {
        var (f, errors) = Fields(json);
        f.Strings("tags", maxItems: 2, maxLength: 5);
        AssertError(errors, field, message);
    }

    [Theory]
    [InlineData("""{"t":1740000000000}""", 1740000000000L)]
    [InlineData("""{"t":0}""", 0L)]
    [InlineData("""{"t":"2025-02-19T21:20:00Z"}""", 1740000000000L)]
    [InlineData("""{"t":"2025-02-19T23:20:00+02:00"}""", 1740000000000L)]
    [InlineData("""{"t":"2025-02-19T21:20:00"}""", 1740000000000L)]
    [InlineData("""{"t":"2025-02-19"}""", 1739923200000L)]
    public void Time_reads_unix_milliseconds_and_iso_8601(string json, long expected)
    {
        var (f, errors) = Fields(json);
        Assert.Equal(expected, f.Time("t"));
        Assert.False(errors.Any, errors.Summary());
    }

    [Theory]
    [InlineData("""{"t":-1}""")]
    [InlineData("""{"t":253402300800000}""")]
    [InlineData("""{"t":1.5}""")]
    [InlineData("""{"t":"yesterday"}""")]
    [InlineData("""{"t":"1740000000000"}""")]
    [InlineData("""{"t":"02/01/2025"}""")]
    [InlineData("""{"t":"Feb 19 2025"}""")]
    [InlineData("""{"t":true}""")]
    public void Time_refuses_what_is_not_milliseconds_or_iso_8601(string json)
    {
        var (f, errors) = Fields(json);
        Assert.Null(f.Time("t"));
        AssertError(errors, "t", "t must be Unix milliseconds or an ISO 8601 date-time");
    }

    [Fact]
    public void Time_reports_a_missing_required_value()
    {
        var (f, errors) = Fields("{}", "case.");
        Assert.Null(f.Time("detectedAt", required: true));
        AssertError(errors, "case.detectedAt", "case.detectedAt is required");
    }

    [Fact]
    public void ObjectText_returns_the_object_as_written()
    {
        var (f, errors) = Fields("""{"cf":{"a":1,"b":"x"}}""");
        Assert.Equal("""{"a":1,"b":"x"}""", f.ObjectText("cf"));
        Assert.Null(f.ObjectText("missing"));
        Assert.False(errors.Any);
    }

    [Theory]
    [InlineData("""{"cf":[1]}""", "cf must be a JSON object")]
    [InlineData("""{"cf":"{}"}""", "cf must be a JSON object")]
    [InlineData("""{"cf":{"a":"0123456789"}}""", "cf must be at most 10 bytes")]
    public void ObjectText_errors_name_the_field(string json, string message)
    {
        var (f, errors) = Fields(json);
        Assert.Null(f.ObjectText("cf", maxBytes: 10));
        AssertError(errors, "cf", message);
    }

    [Fact]
    public void All_errors_of_one_body_are_collected_together()
    {
        var (f, errors) = Fields("""{"title":1,"severity":9,"tags":"x"}""");
        f.String("title");
        f.Int("severity", 1, 4);
        f.Strings("tags");
        f.String("type", required: true);
        Assert.Equal(4, errors.Count);
        Assert.Equal("title must be a string; severity must be 1-4; tags must be an array of strings; type is required", errors.Summary());
    }
}
