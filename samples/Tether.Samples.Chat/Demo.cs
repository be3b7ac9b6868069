using System.Net;

namespace Tether.Samples.Chat;

/// <summary>Three users on loopback TCP: rooms are server groups, lines are pushed broadcasts.</summary>
public static class Demo
{
    public static async Task<int> RunAsync(TextWriter output, CancellationToken cancellationToken = default)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        patience.CancelAfter(TimeSpan.FromSeconds(30));
        CancellationToken token = patience.Token;

        await using var server = new TetherServer(new TetherServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0) });
        server.AddHandler(session => new ChatHandler(session));
        await server.StartAsync(token);
        output.WriteLine($"[server] chat server on {server.LocalEndPoint}");

        var users = new Dictionary<string, (TetherClient Client, ChatView View, ChatHandler.Client Chat)>();
        foreach (string name in new[] { "alice", "bob", "carol" })
        {
            var view = new ChatView();
            var client = new TetherClient();
            client.AddHandler(view);
            await client.StartAsync(server.LocalEndPoint!, token);
            users[name] = (client, view, new ChatHandler.Client(client));
        }

        Joined joined = await users["alice"].Chat.Join(new Join("lobby", "alice"), token);
        output.WriteLine($"[alice] joined {joined.Room} ({joined.Members} member)");
        joined = await users["bob"].Chat.Join(new Join("lobby", "bob"), token);
        output.WriteLine($"[bob] joined {joined.Room} ({joined.Members} members)");
        joined = await users["carol"].Chat.Join(new Join("ops", "carol"), token);
        output.WriteLine($"[carol] joined {joined.Room} ({joined.Members} member)");
        await Show(output, "alice", users["alice"].View, 1, token); // "bob joined"

        await users["alice"].Chat.Say(new Say("hi bob"), token);
        await users["bob"].Chat.Say(new Say("hi alice"), token);
        await users["carol"].Chat.Say(new Say("anyone in ops?"), token);
        await Show(output, "alice", users["alice"].View, 2, token);
        await Show(output, "bob", users["bob"].View, 2, token);
        await Show(output, "carol", users["carol"].View, 1, token);

        BroadcastResult announcement = server.Broadcast(new ChatLine("*", "server", "maintenance at noon"));
        output.WriteLine($"[server] announcement delivered to {announcement.Delivered} sessions, dropped {announcement.Dropped}");
        foreach (string name in users.Keys)
        {
            await Show(output, name, users[name].View, 1, token);
        }

        output.WriteLine($"[server] groups: {string.Join(", ", server.GroupNames.Select(g => $"{g}={server.GetGroupMembers(g).Count}"))}");
        foreach (TetherSession session in server.Sessions.OrderBy(s => s.Id))
        {
            SessionInfo info = session.GetInfo();
            output.WriteLine($"[server] session {info.Id} {info.RemoteEndPoint} groups [{string.Join(",", info.Groups)}] calls {info.CallsStarted}");
        }

        // A session has left its groups by the time SessionEnded fires.
        var bobGone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.SessionEnded += _ => bobGone.TrySetResult();
        await users["bob"].Client.DisposeAsync();
        await bobGone.Task.WaitAsync(token);

        output.WriteLine($"[server] bob left; lobby has {server.GetGroupMembers("lobby").Count} member");
        foreach (var user in users.Values)
        {
            await user.Client.DisposeAsync();
        }

        bool leftovers = users.Values.Any(u => u.View.Unread != 0);
        output.WriteLine("done");
        return leftovers ? 1 : 0;
    }

    private static async Task Show(TextWriter output, string user, ChatView view, int count, CancellationToken token)
    {
        for (int i = 0; i < count; i++)
        {
            ChatLine line = await view.NextAsync(token);
            output.WriteLine($"[{user} sees] #{line.Room} {line.From}: {line.Text}");
        }
    }
}
