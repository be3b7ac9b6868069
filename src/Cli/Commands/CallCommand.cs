using System.CommandLine;
using Tether.Cli.Connecting;
using Tether.Cli.Output;

namespace Tether.Cli.Commands;

/// <summary><c>tether call SERVICE/METHOD [JSON]</c>: unary calls print the reply, server streams one JSON line per item, one-way methods send.</summary>
internal static class CallCommand
{
    public static Command Create(CommandRunner runner)
    {
        var method = new Argument<string>("method") { Description = "SERVICE/METHOD, as tether inspect lists them." };
        var json = new Argument<string?>("json") { Description = "The request as JSON (default {}; '-' reads standard input).", Arity = ArgumentArity.ZeroOrOne };
        var data = new Option<string?>("--data", "-d") { Description = "Read the request JSON from this file ('-' for standard input)." };
        var metadata = new Option<string[]>("--metadata", "-m") { Description = "Call metadata KEY=VALUE (repeatable)." };
        var deadline = new Option<string?>("--deadline") { Description = "The call's deadline, e.g. 500ms or 10s (default: --timeout for unary calls, none for streams)." };
        var command = new Command("call", "Call a method with JSON in and out: unary, server stream (JSON lines) or one-way.") { method, json, data, metadata, deadline };
        command.SetAction(runner.Connected(async run =>
        {
            string request = ReadRequest(run.Parse.GetValue(json), run.Parse.GetValue(data));
            MethodTarget target = await MethodTarget.ResolveAsync(run.Client, run.Parse.GetValue(method)!, run.Cancellation).ConfigureAwait(false);
            if (target.DeprecationWarning is { } warning)
            {
                run.Error.WriteLine(warning);
            }

            if (target.Method.Kind is MethodKind.ClientStreaming or MethodKind.BidirectionalStreaming)
            {
                // A request stream has no single message to send.
                throw new UsageException($"{target.Method.FullName} takes a request stream ({InspectCommand.Kind(target.Method.Kind)}); tether call sends one message and cannot call it.");
            }

            byte[] body = target.EncodeRequest(request);
            CallOptions options = Options(run, run.Parse.GetValue(metadata) ?? [], run.Parse.GetValue(deadline), target.Method.Kind);
            switch (target.Method.Kind)
            {
                case MethodKind.Unary:
                    EncodedMessage reply = await run.Client.InvokeEncodedAsync(target.Method, body, options).ConfigureAwait(false);
                    if (reply.MessageId != 0)
                    {
                        run.Out.WriteLine(target.Schema.Decode(reply.MessageId, reply.Body.Span, indented: !run.Json));
                    }

                    break;
                case MethodKind.ServerStreaming:
                    await foreach (EncodedMessage item in run.Client.InvokeEncodedStreamAsync(target.Method, body, options).WithCancellation(run.Cancellation).ConfigureAwait(false))
                    {
                        run.Out.WriteLine(target.Schema.Decode(item.MessageId, item.Body.Span)); // JSON lines
                    }

                    break;
                default:
                    await run.Client.InvokeEncodedOneWayAsync(target.Method, body, options).ConfigureAwait(false);
                    break;
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static string ReadRequest(string? argument, string? file)
    {
        if (argument is not null && file is not null)
        {
            throw new UsageException("Give the request as an argument or with --data, not both.");
        }

        string? source = file ?? (argument == "-" ? "-" : null);
        if (source is null)
        {
            return argument ?? "{}";
        }

        try
        {
            return source == "-" ? Console.In.ReadToEnd() : File.ReadAllText(source);
        }
        catch (IOException e)
        {
            throw new UsageException($"The request cannot be read from {source}: {e.Message}");
        }
    }

    private static CallOptions Options(Invocation run, string[] metadata, string? deadline, MethodKind kind)
    {
        CallMetadata? entries = null;
        foreach (string pair in metadata)
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new UsageException($"Metadata '{pair}' is not KEY=VALUE.");
            }

            entries ??= new CallMetadata();
            try
            {
                entries.Add(pair[..equals], pair[(equals + 1)..]);
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"Metadata '{pair[..equals]}': {e.Message}");
            }
        }

        TimeSpan? timeout = deadline is not null ? Durations.Parse(deadline, "deadline")
            : kind == MethodKind.ServerStreaming ? null
            : run.Settings.Timeout;
        return new CallOptions { Metadata = entries, Timeout = timeout, CancellationToken = run.Cancellation };
    }
}
