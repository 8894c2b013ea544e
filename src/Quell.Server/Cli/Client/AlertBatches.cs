using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Quell.Alerts;

namespace Quell.Server.Cli.Client;

/// <summary>
/// Splits a JSON array of alerts into _bulk requests the server accepts (at most <see cref="AlertEndpoints.MaxBulkItems"/>
/// alerts and <see cref="AlertEndpoints.MaxBulkBytes"/> bytes each). Each request is all or nothing on the server; a
/// file of several batches is not, which the verb tells the user when a later batch is refused.
/// </summary>
public static partial class AlertBatches
{
    /// <summary>Alerts [<see cref="Start"/>, <see cref="Start"/> + <see cref="Count"/>) of the file, as one JSON array.</summary>
    public sealed record Batch(int Start, int Count, byte[] Body);

    public static IReadOnlyList<Batch> Split(JsonElement array, int maxItems = AlertEndpoints.MaxBulkItems, int maxBytes = AlertEndpoints.MaxBulkBytes)
    {
        var batches = new List<Batch>();
        using var buffer = new MemoryStream();
        int start = 0, count = 0;
        foreach (var item in array.EnumerateArray())
        {
            var bytes = Encoding.UTF8.GetBytes(item.GetRawText());
            // +2: the separator before this item and the closing bracket.
            if (count == maxItems || (count > 0 && buffer.Length + bytes.Length + 2 > maxBytes))
                Flush();
            buffer.WriteByte(count == 0 ? (byte)'[' : (byte)',');
            buffer.Write(bytes);
            count++;
        }
        Flush();
        return batches;

        void Flush()
        {
            if (count == 0)
                return;
            buffer.WriteByte((byte)']');
            batches.Add(new Batch(start, count, buffer.ToArray()));
            start += count;
            count = 0;
            buffer.SetLength(0);
        }
    }

    /// <summary>
    /// The server names a bad field by its place in the request ("[3].severity must be 1-4"); this turns it into its place
    /// in the file. Only the leading index of a path moves: "[3].observables[0].data" keeps its observable index.
    /// </summary>
    public static string Renumber(string text, int start) =>
        start == 0 ? text : LeadingIndex().Replace(text, m => "[" + (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) + start).ToString(CultureInfo.InvariantCulture) + "].");

    [GeneratedRegex(@"(?<=^|; |: )\[(\d+)\]\.")]
    private static partial Regex LeadingIndex();
}
