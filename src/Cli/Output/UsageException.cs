namespace Tether.Cli.Output;

/// <summary>The command line, its JSON or its settings are wrong: nothing was sent (exit code <see cref="ExitCodes.Usage"/>).</summary>
internal sealed class UsageException(string message) : Exception(message);
