using System.CommandLine;
using System.Text.Json;
using Tether.Cli.Output;
using Tether.Introspection;

namespace Tether.Cli.Commands;

/// <summary><c>tether inspect [SERVICE]</c>: the server's services, their methods and the shapes of their messages.</summary>
internal static class InspectCommand
{
    public static Command Create(CommandRunner runner)
    {
        var service = new Argument<string?>("service") { Description = "Only this service.", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all", "-a") { Description = "Include Tether's built-in services (introspection, administration)." };
        var command = new Command("inspect", "List the server's services, methods (kind, id, deprecation) and message shapes.") { service, all };
        command.SetAction(runner.Connected(async run =>
        {
            ServerShape server = await MethodTarget.DescribeAsync(run.Client, run.Cancellation).ConfigureAwait(false);
            string? only = run.Parse.GetValue(service);
            ServiceShape[] services = [.. server.Services.Where(s => only is null ? run.Parse.GetValue(all) || !s.BuiltIn : string.Equals(s.Name, only, StringComparison.OrdinalIgnoreCase))];
            if (only is not null && services.Length == 0)
            {
                throw new UsageException($"The server has no service '{only}'; it has {string.Join(", ", server.Services.Where(static s => !s.BuiltIn).Select(static s => s.Name))}.");
            }

            if (run.Json)
            {
                Json.Write(run.Out, writer => WriteJson(writer, server.ProtocolVersion, services));
            }
            else
            {
                WriteTables(run.Out, services);
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static void WriteTables(TextWriter output, ServiceShape[] services)
    {
        var methods = new Table("SERVICE", "VERSION", "METHOD", "KIND", "ID", "REQUEST", "RESPONSE", "DEPRECATED");
        var messages = new Table("MESSAGE", "ID", "TYPE", "MEMBERS");
        var seen = new HashSet<int>();
        foreach (ServiceShape service in services)
        {
            string Name(int id) => id == 0 ? "-" : service.Messages.FirstOrDefault(m => m.Id == id) is { } shape ? ShortName(shape.TypeName) : $"#{id}";
            foreach (MethodShape method in service.Methods)
            {
                methods.Add(service.Name, service.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), method.Version > 1 ? $"{method.Name} v{method.Version}" : method.Name, Kind(method.Kind),
                    method.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), Name(method.RequestMessageId), Name(method.ResponseMessageId),
                    method.Deprecation is null ? null : method.Deprecation.Length == 0 ? "yes" : method.Deprecation);
            }

            foreach (MessageShape message in service.Messages.Where(m => seen.Add(m.Id)))
            {
                messages.Add(ShortName(message.TypeName), message.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), message.TypeName,
                    string.Join(", ", message.Members.Select(static m => $"{m.Name} {m.WireType}")));
            }
        }

        methods.WriteTo(output);
        output.WriteLine();
        messages.WriteTo(output);
        var removed = new Table("REMOVED", "ID", "REASON");
        bool any = false;
        foreach (ServiceShape service in services)
        {
            foreach (RemovedMethod gone in service.RemovedMethods ?? [])
            {
                removed.Add($"{service.Name}/{gone.Name}", gone.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), gone.Reason.Length > 0 ? gone.Reason : null);
                any = true;
            }
        }

        if (any)
        {
            output.WriteLine();
            removed.WriteTo(output);
        }
    }

    // The names of the member's enums, one per enum<…> of its type, in order (omitted when the server sent none).
    private static void WriteEnums(Utf8JsonWriter writer, IReadOnlyList<EnumShape>? enums)
    {
        if (enums is null || enums.Count == 0)
        {
            return;
        }

        writer.WriteStartArray("enums");
        foreach (EnumShape shape in enums)
        {
            writer.WriteStartObject();
            writer.WriteString("type", shape.TypeName);
            writer.WriteBoolean("flags", shape.IsFlags);
            writer.WriteStartObject("values");
            for (int i = 0; i < Math.Min(shape.Names.Count, shape.Values.Count); i++)
            {
                writer.WriteNumber(shape.Names[i], shape.Values[i]);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteJson(Utf8JsonWriter writer, int protocolVersion, ServiceShape[] services)
    {
        writer.WriteStartObject();
        writer.WriteNumber("protocolVersion", protocolVersion);
        writer.WriteStartArray("services");
        foreach (ServiceShape service in services)
        {
            writer.WriteStartObject();
            writer.WriteString("name", service.Name);
            writer.WriteNumber("version", service.Version);
            writer.WriteBoolean("builtIn", service.BuiltIn);
            writer.WriteStartArray("methods");
            foreach (MethodShape method in service.Methods)
            {
                writer.WriteStartObject();
                writer.WriteString("name", method.Name);
                writer.WriteNumber("id", method.Id);
                writer.WriteString("kind", Kind(method.Kind));
                writer.WriteNumber("version", Math.Max(1, method.Version));
                writer.WriteNumber("requestMessageId", method.RequestMessageId);
                writer.WriteNumber("responseMessageId", method.ResponseMessageId);
                if (method.Idempotent)
                {
                    writer.WriteBoolean("idempotent", true);
                }

                if (method.Deprecation is { } deprecation)
                {
                    writer.WriteString("deprecated", deprecation);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("messages");
            foreach (MessageShape message in service.Messages)
            {
                writer.WriteStartObject();
                writer.WriteNumber("id", message.Id);
                writer.WriteString("type", message.TypeName);
                writer.WriteStartArray("members");
                foreach (MemberShape member in message.Members)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", member.Name);
                    writer.WriteString("type", member.WireType);
                    WriteEnums(writer, member.Enums);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("removedMethods");
            foreach (RemovedMethod gone in service.RemovedMethods ?? [])
            {
                writer.WriteStartObject();
                writer.WriteString("name", gone.Name);
                writer.WriteNumber("id", gone.Id);
                writer.WriteString("reason", gone.Reason);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static string Kind(MethodKind kind) => kind switch
    {
        MethodKind.Unary => "unary",
        MethodKind.ServerStreaming => "server-stream",
        MethodKind.OneWay => "one-way",
        MethodKind.ClientStreaming => "client-stream",
        MethodKind.BidirectionalStreaming => "bidirectional-stream",
        _ => kind.ToString(),
    };

    private static string ShortName(string typeName)
    {
        int dot = typeName.LastIndexOfAny(['.', '+']);
        return dot < 0 ? typeName : typeName[(dot + 1)..];
    }
}
