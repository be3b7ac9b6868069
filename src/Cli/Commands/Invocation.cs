using System.CommandLine;
using Tether.Cli.Connecting;
using Tether.Cli.Output;

namespace Tether.Cli.Commands;

/// <summary>One run of a command that talks to a server: its parsed line, settings, connected client and console.</summary>
internal sealed record Invocation(ParseResult Parse, CliSettings Settings, TetherClient Client, TextWriter Out, TextWriter Error, CancellationToken Cancellation)
{
    public bool Json => Settings.Output == OutputFormat.Json;
}

/// <summary>Runs commands: resolves the settings, connects, runs the body, and turns every failure into its line and exit code.</summary>
internal sealed class CommandRunner(GlobalOptions options, TextWriter output, TextWriter error)
{
    /// <summary>An action that connects first and reports failures as the exit codes say.</summary>
    public Func<ParseResult, CancellationToken, Task<int>> Connected(Func<Invocation, Task<int>> body) => async (parse, cancellation) =>
    {
        try
        {
            CliSettings settings = CliSettings.Resolve(parse, options);
            await using TetherClient client = await ClientFactory.ConnectAsync(settings, cancellation).ConfigureAwait(false);
            return await body(new Invocation(parse, settings, client, output, error, cancellation)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            error.WriteLine(ExitCodes.Describe(e));
            return ExitCodes.Of(e);
        }
    };
}
