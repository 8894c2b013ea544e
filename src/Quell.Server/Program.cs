using System.CommandLine;
using Quell.Server.Cli;

var root = new RootCommand("Quell: automated incident response")
{
    ServeCommand.Create(),
    DevSeedCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
