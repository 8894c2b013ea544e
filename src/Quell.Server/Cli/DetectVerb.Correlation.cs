using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Quell.Detection.Sigma;
using Spectre.Console;

namespace Quell.Server.Cli;

/// <summary>Correlation rules in `quell detect`: one correlator over all files, fed in input order, flushed at the end.</summary>
public sealed partial class DetectVerb
{
    /// <summary>Where a correlated event is: its file, its 1-based number in the file and its time.</summary>
    public sealed record EventRef(string Source, long Event, DateTimeOffset Time);

    /// <summary>A match of a rule a correlation uses, with what the correlation reads of the event (taken while it is parsed).</summary>
    sealed record Correlated(SigmaRule Rule, DateTimeOffset? Time, Dictionary<string, string?> Fields, long Index)
    {
        public static Correlated Of(SigmaCatalog catalog, SigmaRule rule, ISigmaEvent e, long index)
        {
            var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var f in catalog.FieldsOf(rule))
                fields[f] = e.TryGetValue(f, out var v) ? Text(v) : null;
            return new Correlated(rule, SigmaEventTime.Of(e), fields, index);
        }

        static string? Text(SigmaValue v) => v.IsScalar ? v.Text
            : v.Kind == SigmaValueKind.Array ? string.Join(",", v.Items!.Where(i => i.IsScalar).Select(i => i.Text)) : null;
    }

    long _correlationMatches;
    long _untimed;
    readonly List<SigmaCorrelationMatch<EventRef>> _found = [];

    void Correlate(SigmaCorrelator<EventRef> correlator, string file, List<Correlated> items, Table? table, TextWriter output)
    {
        foreach (var item in items)
        {
            if (item.Time is not { } time)
            {
                _untimed++;
                continue;
            }
            correlator.Observe(item.Rule, time, f => item.Fields.GetValueOrDefault(f), new EventRef(file, item.Index + 1, time), _found);
        }
        Write(table, output);
    }

    void FlushCorrelations(SigmaCorrelator<EventRef> correlator, Table? table, TextWriter output)
    {
        correlator.Flush(_found);
        Write(table, output);
    }

    void Write(Table? table, TextWriter output)
    {
        foreach (var m in _found)
        {
            _matches++;
            _correlationMatches++;
            var group = string.Join(", ", m.Group.Select(g => $"{g.Key}={g.Value}"));
            if (table is not null)
            {
                table.AddRow(SafeText.Markup(m.Rule.Level ?? ""), SafeText.Markup(m.Rule.Title), SafeText.Markup(m.Rule.Id ?? ""), SafeText.Markup(m.Events[^1].Source),
                    SafeText.Markup($"{m.Rule.TypeName} {group}: {m.Count.ToString(CultureInfo.InvariantCulture)} over events {string.Join(" ", m.Events.Take(10).Select(e => e.Event.ToString(CultureInfo.InvariantCulture)))}{(m.Events.Count > 10 ? " …" : "")}"));
                continue;
            }
            var buffer = new ArrayBufferWriter<byte>();
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteStartObject("rule");
                w.WriteString("id", m.Rule.Id);
                w.WriteString("title", m.Rule.Title);
                w.WriteString("level", m.Rule.Level);
                w.WriteStartArray("tags");
                foreach (var tag in m.Rule.Tags)
                    w.WriteStringValue(tag);
                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteString("type", "correlation");
                w.WriteString("correlation", m.Rule.TypeName);
                w.WriteString("source", m.Events[^1].Source);
                w.WriteStartObject("group");
                foreach (var (k, v) in m.Group)
                    w.WriteString(k, v);
                w.WriteEndObject();
                w.WriteNumber("count", m.Count);
                w.WriteString("first", m.First);
                w.WriteString("last", m.Last);
                w.WriteStartArray("events");
                foreach (var e in m.Events)
                {
                    w.WriteStartObject();
                    w.WriteString("source", e.Source);
                    w.WriteNumber("event", e.Event);
                    w.WriteString("time", e.Time);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            output.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
            output.Write('\n');
        }
        _found.Clear();
    }

    void ReportCorrelationLimits(SigmaCorrelator<EventRef> correlator)
    {
        if (_untimed > 0)
            terminal.Error.MarkupLine($"[yellow]warning:[/] {_untimed:N0} matches of correlated rules had no event time ({string.Join(", ", SigmaEventTime.Fields)}) and were not correlated");
        if (correlator.Late > 0)
            terminal.Error.MarkupLine($"[yellow]warning:[/] {correlator.Late:N0} correlated events came more than a timespan after newer events of their group and were not correlated");
        if (correlator.Dropped > 0)
            terminal.Error.MarkupLine($"[yellow]warning:[/] {correlator.Dropped:N0} correlated events were dropped to keep memory bounded");
    }
}
