using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Quell.Enrichment.Cortex;

/// <summary>How a run ended: the exit code, output/output.json when there is one (or why it could not be read), the end of stdout and stderr.</summary>
public sealed record CortexRunEnd(int ExitCode, JsonObject? Output, string? OutputProblem, string Stdout, string Stderr)
{
    /// <summary>A failure reason for a run without a usable output.json: what was wrong, the exit code and the end of stderr.</summary>
    public string Failure(string name)
    {
        var stderr = Stderr.Trim();
        var tail = stderr.Length == 0 ? "stderr was empty" : "end of stderr: " + (stderr.Length <= 500 ? stderr : "…" + stderr[^500..]);
        return $"{name} {OutputProblem} (exit code {ExitCode}); {tail}";
    }
}

/// <summary>
/// Cortex's job directory protocol, as its process runner does it: a fresh directory with <c>input/input.json</c> and an
/// empty <c>output/</c>, the command run with that directory as its only argument in its working directory, then
/// <c>output/output.json</c> read back. The process is bounded: cancelling (the run's timeout) kills its whole tree,
/// only the end of its stdout and stderr is kept, and output.json larger than the limit is not read. The directory is
/// removed afterwards.
/// </summary>
public static class CortexProcess
{
    /// <summary>How long the output pipes are drained after the process exits (a child it left behind may hold them open).</summary>
    static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(2);

    /// <summary>The file of a file job in input/, as input.json's "file" names it (cortexutils joins it to input/).</summary>
    public const string AttachmentName = "attachment";

    public static async Task<CortexRunEnd> RunAsync(CortexFlavor flavor, JsonObject input, string? cacerts, CortexOptions options, long maxOutputBytes, CancellationToken ct,
        byte[]? attachment = null)
    {
        var parent = options.JobDirectory ?? Path.GetTempPath();
        Directory.CreateDirectory(parent);
        var job = Path.Combine(parent, "quell-cortex-" + Guid.NewGuid().ToString("N"));
        try
        {
            // input.json holds the organisation's secrets (API keys): the job directory is the server user's alone.
            if (OperatingSystem.IsWindows())
                Directory.CreateDirectory(job);
            else
                Directory.CreateDirectory(job, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Directory.CreateDirectory(Path.Combine(job, "input"));
            Directory.CreateDirectory(Path.Combine(job, "output"));
            await File.WriteAllTextAsync(Path.Combine(job, "input", "input.json"), input.ToJsonString(), ct);
            if (attachment is not null)
                await File.WriteAllBytesAsync(Path.Combine(job, "input", AttachmentName), attachment, ct);
            var start = new ProcessStartInfo(flavor.Command)
            {
                WorkingDirectory = flavor.WorkingDirectory,
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                StandardOutputEncoding = Encoding.UTF8,
                StandardErrorEncoding = Encoding.UTF8,
            };
            start.ArgumentList.Add(job);
            if (cacerts is { Length: > 0 })
            {
                var file = Path.Combine(job, "input", "cacerts");
                await File.WriteAllTextAsync(file, cacerts, ct);
                start.Environment["REQUESTS_CA_BUNDLE"] = file;
            }
            using var process = new Process { StartInfo = start };
            try
            {
                process.Start();
            }
            catch (Win32Exception e)
            {
                throw new AnalyzerFailedException($"{flavor.QuellName}: {flavor.Command} could not be started: {e.Message} (is it executable, with a #! line?)", e);
            }
            process.StandardInput.Close();
            var stdout = TailAsync(process.StandardOutput, options.MaxLogChars);
            var stderr = TailAsync(process.StandardError, options.MaxLogChars);
            try
            {
                await process.WaitForExitAsync(ct);
            }
            catch (OperationCanceledException)
            {
                Kill(process);
                throw;
            }
            // Children left running hold the pipes open; their output is not waited for.
            await Task.WhenAny(Task.WhenAll(stdout, stderr), Task.Delay(DrainGrace, CancellationToken.None));
            var (output, problem) = ReadOutput(Path.Combine(job, "output", "output.json"), maxOutputBytes);
            return new CortexRunEnd(process.ExitCode, output, problem, Done(stdout), Done(stderr));
        }
        finally
        {
            try
            {
                Directory.Delete(job, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A file still held by a killed process; the temporary folder is cleaned by the system.
            }
        }
    }

    static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception)
        {
            // Already exited.
        }
    }

    static string Done(Task<string> tail) => tail.IsCompletedSuccessfully ? tail.Result : "";

    /// <summary>Reads a stream to its end, keeping only its last <paramref name="max"/> characters.</summary>
    static async Task<string> TailAsync(StreamReader reader, int max)
    {
        var kept = new StringBuilder();
        var buffer = new char[8192];
        int n;
        while ((n = await reader.ReadAsync(buffer)) > 0)
        {
            kept.Append(buffer, 0, n);
            if (kept.Length > 2 * max)
                kept.Remove(0, kept.Length - max);
        }
        if (kept.Length > max)
            kept.Remove(0, kept.Length - max);
        return kept.ToString();
    }

    static (JsonObject? Output, string? Problem) ReadOutput(string path, long maxBytes)
    {
        var file = new FileInfo(path);
        if (!file.Exists || file.Length == 0)
            return (null, "wrote no output/output.json");
        if (file.Length > maxBytes)
            return (null, $"wrote an output/output.json of {file.Length} bytes, more than the limit of {maxBytes} (Enrichment:MaxResponseBytes)");
        try
        {
            using var stream = file.OpenRead();
            return JsonNode.Parse(stream) is JsonObject o ? (o, null) : (null, "wrote an output/output.json that is not a JSON object");
        }
        catch (JsonException e)
        {
            using var reader = file.OpenText();
            var start = new char[120];
            var n = reader.Read(start, 0, start.Length);
            var excerpt = new string(start, 0, n).Select(ch => char.IsControl(ch) ? ' ' : ch).ToArray();
            return (null, $"wrote an output/output.json that is not JSON ({e.Message}; it starts with \"{new string(excerpt)}\")");
        }
    }
}
