namespace Quell.Enrichment.Cortex;

/// <summary>Settings of Cortex analyzers and responders (section "Enrichment:Cortex").</summary>
public sealed class CortexOptions
{
    /// <summary>
    /// Directories of flavour definitions, each laid out as a checkout of TheHive-Project/Cortex-Analyzers: the root (with
    /// <c>analyzers/</c> and <c>responders/</c>) or one of those two folders. Set by <c>quell serve --cortex-analyzers</c>.
    /// </summary>
    public string[] Directories { get; set; } = [];

    /// <summary>Where job directories are made (each removed after its run); null: the system's temporary folder.</summary>
    public string? JobDirectory { get; set; }

    /// <summary>How much of a process's stdout and stderr is kept (the end of each); the rest is read and dropped.</summary>
    public int MaxLogChars { get; set; } = 16 * 1024;
}
