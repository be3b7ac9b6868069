namespace Tether.Cli.Output;

/// <summary>How a command prints its result: aligned columns for people, JSON for scripts.</summary>
internal enum OutputFormat
{
    Table,
    Json,
}
