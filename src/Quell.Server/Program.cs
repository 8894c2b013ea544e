using System.CommandLine;
using Quell.Intel.Matching;
using Quell.Server.Cli;
using Quell.Server.Cli.Admin;
using Quell.Server.Cli.Client;

// A one-shot match compiles its matcher while the command line is parsed (the other core is idle then).
if (args is ["intel", "match", ..])
    MatcherCode.CompileInBackground(typeof(IntelMatchVerb));

var root = new RootCommand("Quell: automated incident response")
{
    ServeCommand.Create(),
    AlertCommand.Create(),
    CaseCommand.Create(),
    UserCommand.Create(),
    ApiKeyCommand.Create(),
    AuditCommand.Create(),
    DevSeedCommand.Create(),
    IntelCommand.Create(),
    IngestCommand.Create(),
    DetectCommand.Create(),
};
return await ExitCodes.InvokeAsync(root.Parse(args));
