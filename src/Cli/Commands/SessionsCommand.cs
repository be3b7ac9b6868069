using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Tether.Cli.Output;
using Tether.Introspection;

namespace Tether.Cli.Commands;

/// <summary><c>tether sessions list|show|end</c>, through the server's session administration service (administrators only).</summary>
internal static class SessionsCommand
{
    public static Command Create(CommandRunner runner)
    {
        var group = new Option<string?>("--group", "-g") { Description = "Only members of this group." };
        var limit = new Option<int>("--limit") { Description = "At most this many sessions, newest first (default 1000)." };
        var list = new Command("list", "List the server's sessions, newest first.") { group, limit };
        list.SetAction(runner.Connected(async run =>
        {
            SessionList sessions = await Call(() => Admin(run).List(new SessionQuery(run.Parse.GetValue(group), run.Parse.GetValue(limit)), run.Cancellation)).ConfigureAwait(false);
            if (run.Json)
            {
                Json.Write(run.Out, writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("total", sessions.Total);
                    writer.WriteStartArray("sessions");
                    foreach (SessionSummary session in sessions.Sessions)
                    {
                        WriteSummary(writer, session);
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                });
            }
            else
            {
                var table = new Table("ID", "STATE", "PRINCIPAL", "TRANSPORT", "REMOTE", "CONNECTED", "CALLS", "IN FLIGHT");
                foreach (SessionSummary s in sessions.Sessions)
                {
                    table.Add(s.Id.ToString(), s.State.ToString(), s.Principal, s.Transport, s.RemoteAddress, s.ConnectedAt.ToString("u", CultureInfo.InvariantCulture),
                        s.CallsStarted.ToString(CultureInfo.InvariantCulture), s.InFlightCalls.ToString(CultureInfo.InvariantCulture));
                }

                table.WriteTo(run.Out);
                if (sessions.Total > sessions.Sessions.Count)
                {
                    run.Out.WriteLine($"({sessions.Sessions.Count} of {sessions.Total} shown)");
                }
            }

            return ExitCodes.Success;
        }));

        var showId = SessionId();
        var show = new Command("show", "Show one session in detail.") { showId };
        show.SetAction(runner.Connected(async run =>
        {
            SessionDetail detail = await Call(() => Admin(run).Show(new SessionRef(Parse(run.Parse.GetValue(showId)!)), run.Cancellation)).ConfigureAwait(false);
            if (run.Json)
            {
                Json.Write(run.Out, writer => WriteDetail(writer, detail));
            }
            else
            {
                SessionSummary s = detail.Summary;
                var table = new Table("FIELD", "VALUE")
                    .Add("id", s.Id.ToString())
                    .Add("state", s.State.ToString())
                    .Add("principal", s.Principal)
                    .Add("roles", string.Join(", ", detail.Roles))
                    .Add("transport", s.Transport)
                    .Add("remote", s.RemoteAddress)
                    .Add("connected", s.ConnectedAt.ToString("u", CultureInfo.InvariantCulture))
                    .Add("groups", string.Join(", ", detail.Groups))
                    .Add("rtt", detail.RoundTripMilliseconds?.ToString("0.000 ms", CultureInfo.InvariantCulture))
                    .Add("calls", $"{s.CallsStarted} started, {detail.CallsFailed} failed, {s.InFlightCalls} in flight")
                    .Add("bytes", $"{detail.BytesSent} sent, {detail.BytesReceived} received, {detail.QueuedBytes} queued")
                    .Add("frames", $"{detail.FramesSent} sent, {detail.FramesReceived} received")
                    .Add("pushes dropped", detail.PushesDropped.ToString(CultureInfo.InvariantCulture));
                table.WriteTo(run.Out);
            }

            return ExitCodes.Success;
        }));

        var endId = SessionId();
        var end = new Command("end", "End a session for good (its client cannot resume it).") { endId };
        end.SetAction(runner.Connected(async run =>
        {
            SessionEnded ended = await Call(() => Admin(run).Terminate(new SessionRef(Parse(run.Parse.GetValue(endId)!)), run.Cancellation)).ConfigureAwait(false);
            if (run.Json)
            {
                Json.Write(run.Out, writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("id", ended.Id);
                    writer.WriteString("previousState", ended.PreviousState.ToString());
                    writer.WriteEndObject();
                });
            }
            else
            {
                run.Out.WriteLine($"ended session {ended.Id} (it was {ended.PreviousState})");
            }

            return ExitCodes.Success;
        }));

        return new Command("sessions", "List, show and end the server's sessions (needs role tether.admin and TetherServerOptions.EnableSessionAdmin).") { list, show, end };
    }

    private static Argument<string> SessionId() => new("id") { Description = "The session's id (tether sessions list shows them)." };

    private static ISessionAdmin.Client Admin(Invocation run) => new(run.Client);

    private static Task<T> Call<T>(Func<ValueTask<T>> call) =>
        AdminService.CallAsync(IntrospectionNames.SessionAdmin, "set TetherServerOptions.EnableSessionAdmin", call);

    private static Guid Parse(string id) => Guid.TryParse(id, out Guid parsed) ? parsed : throw new UsageException($"'{id}' is not a session id (a GUID).");

    private static void WriteSummary(Utf8JsonWriter writer, SessionSummary s)
    {
        writer.WriteStartObject();
        WriteSummaryFields(writer, s);
        writer.WriteEndObject();
    }

    private static void WriteSummaryFields(Utf8JsonWriter writer, SessionSummary s)
    {
        writer.WriteString("id", s.Id);
        writer.WriteString("state", s.State.ToString());
        writer.WriteString("principal", s.Principal);
        writer.WriteString("transport", s.Transport);
        writer.WriteString("remote", s.RemoteAddress);
        writer.WriteString("connectedAt", s.ConnectedAt);
        writer.WriteNumber("callsStarted", s.CallsStarted);
        writer.WriteNumber("inFlightCalls", s.InFlightCalls);
    }

    private static void WriteDetail(Utf8JsonWriter writer, SessionDetail d)
    {
        writer.WriteStartObject();
        WriteSummaryFields(writer, d.Summary);
        Json.WriteStrings(writer, "roles", d.Roles);
        Json.WriteStrings(writer, "groups", d.Groups);
        if (d.RoundTripMilliseconds is { } rtt)
        {
            writer.WriteNumber("roundTripMilliseconds", rtt);
        }

        writer.WriteNumber("bytesSent", d.BytesSent);
        writer.WriteNumber("bytesReceived", d.BytesReceived);
        writer.WriteNumber("framesSent", d.FramesSent);
        writer.WriteNumber("framesReceived", d.FramesReceived);
        writer.WriteNumber("callsFailed", d.CallsFailed);
        writer.WriteNumber("queuedBytes", d.QueuedBytes);
        writer.WriteNumber("pushesDropped", d.PushesDropped);
        writer.WriteEndObject();
    }
}
