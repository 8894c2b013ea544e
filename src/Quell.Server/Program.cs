using System.CommandLine;
using Quell.Server.Cli;
using Quell.Server.Cli.Admin;
using Quell.Server.Cli.Client;

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
