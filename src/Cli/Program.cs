using System.CommandLine;
using Tether.Cli.Bench;
using Tether.Cli.Commands;
using Tether.Cli.Connecting;
using Tether.Cli.Output;

namespace Tether.Cli;

/// <summary>The <c>tether</c> command (docs/cli.md).</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        RootCommand root = Build(Console.Out, Console.Error);
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (System.CommandLine.Parsing.ParseError error in parse.Errors)
            {
                await Console.Error.WriteLineAsync($"error: {error.Message}").ConfigureAwait(false);
            }

            await Console.Error.WriteLineAsync("Run 'tether --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync().ConfigureAwait(false);
    }

    public static RootCommand Build(TextWriter output, TextWriter error)
    {
        var options = new GlobalOptions();
        var runner = new CommandRunner(options, output, error);
        var root = new RootCommand("Inspect and call any Tether server, ping it, load it, and manage its sessions and API keys.")
        {
            InspectCommand.Create(runner),
            CallCommand.Create(runner),
            PingCommand.Create(runner),
            BenchCommand.Create(runner),
            SessionsCommand.Create(runner),
            KeysCommand.Create(runner),
        };
        options.AddTo(root);
        return root;
    }
}
