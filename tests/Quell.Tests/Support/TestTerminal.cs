using System.Text;
using Quell.Server.Cli;
using Spectre.Console;

namespace Quell.Tests.Support;

/// <summary>A <see cref="Terminal"/> that records stdout and stderr as plain text (no colours, no ANSI) and reads stdin from a string.</summary>
public sealed class TestTerminal
{
    readonly StringWriter _out = new();
    readonly StringWriter _error = new();

    public TestTerminal(string input = "")
    {
        var bytes = Encoding.UTF8.GetBytes(input);
        Terminal = new Terminal(Console(_out), Console(_error), () => new MemoryStream(bytes), () => new TextStream(_out));
    }

    public Terminal Terminal { get; }

    public string Out => _out.ToString();

    public string Error => _error.ToString();

    /// <summary>Both streams, for assertion messages.</summary>
    public override string ToString() => $"stdout:\n{Out}\nstderr:\n{Error}";

    /// <summary>Bytes written to stdout land in the same record as text, decoded as UTF-8.</summary>
    sealed class TextStream(TextWriter text) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => text.Write(Encoding.UTF8.GetString(buffer, offset, count));
    }

    static IAnsiConsole Console(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        // Wide enough that table cells do not wrap the values the tests look for.
        console.Profile.Width = 240;
        return console;
    }
}
