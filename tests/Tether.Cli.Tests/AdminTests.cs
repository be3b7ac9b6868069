using System.Text.Json;
using Tether.Security;
using Tether.Security.ApiKeys;

namespace Tether.Cli.Tests;

/// <summary><c>tether sessions</c> and <c>tether keys</c> as processes: an administrator's key, taken from the environment, manages a real server.</summary>
public sealed class AdminTests
{
    [Fact]
    public async Task Sessions_are_listed_shown_and_ended()
    {
        await using KitchenServer server = await KitchenServer.StartAsync();
        CreatedApiKey user = await server.Keys.CreateAsync("app");
        var options = new TetherClientOptions { Credentials = TetherCredentials.ApiKey(user.Key) };
        await using TetherClient victim = await TetherClient.ConnectAsync(server.Server.LocalEndPoint!, options);
        string id = victim.Contract!.SessionId.ToString();
        var admin = new Dictionary<string, string> { ["TETHER_API_KEY"] = server.AdminKey, ["TETHER_SERVER"] = server.Address };

        ToolResult list = await ToolRunner.RunAsync(["sessions", "list", "-o", "json"], admin, null);
        ToolResult table = await ToolRunner.RunAsync(["sessions", "list"], admin, null);
        ToolResult show = await ToolRunner.RunAsync(["sessions", "show", id, "-o", "json"], admin, null);
        ToolResult end = await ToolRunner.RunAsync(["sessions", "end", id], admin, null);
        await victim.Closed.WaitAsync(TimeSpan.FromSeconds(30));
        ToolResult gone = await ToolRunner.RunAsync(["sessions", "show", id], admin, null);
        ToolResult notAdmin = await ToolRunner.RunAsync(["sessions", "list", "--api-key", user.Key], admin, null);

        Assert.True(list.ExitCode == 0, list.ToString());
        using (JsonDocument sessions = JsonDocument.Parse(list.Output))
        {
            Assert.Contains(sessions.RootElement.GetProperty("sessions").EnumerateArray(), s => s.GetProperty("id").GetString() == id && s.GetProperty("principal").GetString() == "app");
        }

        Assert.Matches(id + @"\s+Active\s+app\s+tcp", table.Output);
        Assert.True(show.ExitCode == 0, show.ToString());
        using (JsonDocument detail = JsonDocument.Parse(show.Output))
        {
            Assert.Equal("Active", detail.RootElement.GetProperty("state").GetString());
            Assert.True(detail.RootElement.GetProperty("bytesReceived").GetInt64() > 0);
        }

        Assert.True(end.ExitCode == 0, end.ToString());
        Assert.Contains($"ended session {id} (it was Active)", end.Output, StringComparison.Ordinal);
        Assert.True(gone.ExitCode == 1, gone.ToString());
        Assert.Contains("error 2008 dispatch.not_found", gone.Error, StringComparison.Ordinal);
        Assert.True(notAdmin.ExitCode == 4, notAdmin.ToString()); // the flag wins over the environment's key
        Assert.Contains("error 6002 auth.permission_denied", notAdmin.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_are_created_listed_disabled_enabled_and_rotated_and_a_secret_is_shown_only_when_made()
    {
        await using KitchenServer server = await KitchenServer.StartAsync();
        var admin = new Dictionary<string, string> { ["TETHER_API_KEY"] = server.AdminKey, ["TETHER_SERVER"] = server.Address };

        ToolResult create = await ToolRunner.RunAsync(["keys", "create", "billing", "--role", "reader", "--scope", "orders:read", "-o", "json"], admin, null);
        Assert.True(create.ExitCode == 0, create.ToString());
        string secret;
        string id;
        using (JsonDocument created = JsonDocument.Parse(create.Output))
        {
            secret = created.RootElement.GetProperty("secret").GetString()!;
            id = created.RootElement.GetProperty("key").GetProperty("id").GetString()!;
        }

        ToolResult listed = await ToolRunner.RunAsync(["keys", "list"], admin, null);
        ToolResult disabled = await ToolRunner.RunAsync(["keys", "disable", id], admin, null);
        ApiKeyVerification refused = await server.Keys.VerifyAsync(secret);
        ToolResult listedEnabled = await ToolRunner.RunAsync(["keys", "list", "-o", "json"], admin, null);
        ToolResult enabled = await ToolRunner.RunAsync(["keys", "enable", id], admin, null);
        ToolResult rotated = await ToolRunner.RunAsync(["keys", "rotate", id], admin, null);
        ToolResult missing = await ToolRunner.RunAsync(["keys", "disable", "0123456789abcdef"], admin, null);

        Assert.StartsWith($"tether_{id}_", secret, StringComparison.Ordinal);
        Assert.True((await server.Keys.VerifyAsync(secret)).Record is null); // rotated with no grace: the first secret is gone
        Assert.Matches(id + @"\s+billing\s+yes\s+reader\s+orders:read", listed.Output);
        Assert.DoesNotContain(secret, listed.Output + listed.Error + disabled.Output + enabled.Output + rotated.Error, StringComparison.Ordinal);
        Assert.Contains($"key {id} (billing) is disabled", disabled.Output, StringComparison.Ordinal);
        Assert.Null(refused.Record);
        Assert.DoesNotContain("billing", listedEnabled.Output, StringComparison.Ordinal); // disabled keys only with --all
        Assert.Contains($"key {id} (billing) is enabled", enabled.Output, StringComparison.Ordinal);
        Assert.True(rotated.ExitCode == 0, rotated.ToString());
        string newSecret = rotated.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[1];
        Assert.NotNull((await server.Keys.VerifyAsync(newSecret)).Record);
        Assert.Contains("This is the only time the key is shown", rotated.Error, StringComparison.Ordinal);
        Assert.True(missing.ExitCode == 1, missing.ToString());
        Assert.Contains("error 2008 dispatch.not_found: No API key has id '0123456789abcdef'.", missing.Error, StringComparison.Ordinal);
    }
}
