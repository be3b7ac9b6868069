using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Tether.Cli.Connecting;
using Tether.Cli.Output;
using Tether.Security.ApiKeys;

namespace Tether.Cli.Commands;

/// <summary>
/// <c>tether keys create|list|disable|enable|rotate</c>, through the server's key administration service (administrators
/// only). A key's secret is printed once, by <c>create</c> and <c>rotate</c>, and never again.
/// </summary>
internal static class KeysCommand
{
    public static Command Create(CommandRunner runner)
    {
        var name = new Argument<string>("name") { Description = "A name for the key's holder." };
        var roles = new Option<string[]>("--role", "-r") { Description = "A role the key grants (repeatable)." };
        var scopes = new Option<string[]>("--scope") { Description = "A scope the key grants (repeatable)." };
        var expires = new Option<string?>("--expires") { Description = "When the key stops working: an ISO 8601 time, or a duration from now (e.g. 30d)." };
        var create = new Command("create", "Create a key and print its secret (shown this once).") { name, roles, scopes, expires };
        create.SetAction(runner.Connected(async run =>
        {
            DateTimeOffset? expiresAt = run.Parse.GetValue(expires) is { } text ? ExpiresAt(text) : null;
            ApiKeyCreated created = await Call(() => Admin(run).Create(new ApiKeyCreateRequest(run.Parse.GetValue(name)!, run.Parse.GetValue(roles) ?? [], run.Parse.GetValue(scopes) ?? [], expiresAt), run.Cancellation)).ConfigureAwait(false);
            WriteCreated(run, created, "created");
            return ExitCodes.Success;
        }));

        var all = new Option<bool>("--all", "-a") { Description = "Include disabled keys." };
        var list = new Command("list", "List keys (never their secrets).") { all };
        list.SetAction(runner.Connected(async run =>
        {
            ApiKeyList keys = await Call(() => Admin(run).List(new ApiKeyListRequest(run.Parse.GetValue(all)), run.Cancellation)).ConfigureAwait(false);
            if (run.Json)
            {
                Json.Write(run.Out, writer =>
                {
                    writer.WriteStartArray();
                    foreach (ApiKeyInfo key in keys.Keys)
                    {
                        WriteKey(writer, key);
                    }

                    writer.WriteEndArray();
                });
            }
            else
            {
                var table = new Table("ID", "NAME", "ENABLED", "ROLES", "SCOPES", "EXPIRES", "CREATED");
                foreach (ApiKeyInfo key in keys.Keys)
                {
                    table.Add(key.Id, key.Name, key.Enabled ? "yes" : "no", string.Join(",", key.Roles), string.Join(",", key.Scopes),
                        key.ExpiresAt?.ToString("u", CultureInfo.InvariantCulture), key.CreatedAt.ToString("u", CultureInfo.InvariantCulture));
                }

                table.WriteTo(run.Out);
            }

            return ExitCodes.Success;
        }));

        Command disable = Toggle(runner, "disable", "Disable a key: sessions it would open are refused.", static (admin, id, ct) => admin.Disable(new ApiKeyRef(id), ct));
        Command enable = Toggle(runner, "enable", "Enable a disabled key.", static (admin, id, ct) => admin.Enable(new ApiKeyRef(id), ct));

        var rotateId = KeyId();
        var grace = new Option<string>("--grace") { Description = "How long the old secret keeps working (default 0: at once).", DefaultValueFactory = static _ => "0s" };
        var rotate = new Command("rotate", "Give a key a new secret and print it (shown this once).") { rotateId, grace };
        rotate.SetAction(runner.Connected(async run =>
        {
            ApiKeyCreated rotated = await Call(() => Admin(run).Rotate(new ApiKeyRotateRequest(run.Parse.GetValue(rotateId)!, Durations.Parse(run.Parse.GetValue(grace)!, "grace")), run.Cancellation)).ConfigureAwait(false);
            WriteCreated(run, rotated, "rotated");
            return ExitCodes.Success;
        }));

        return new Command("keys", "Create, list, disable, enable and rotate API keys (needs role tether.admin and the server's ApiKeyAdminHandler).") { create, list, disable, enable, rotate };
    }

    private static Command Toggle(CommandRunner runner, string verb, string description, Func<IApiKeyAdmin.Client, string, CancellationToken, ValueTask<ApiKeyInfo>> change)
    {
        var id = KeyId();
        var command = new Command(verb, description) { id };
        command.SetAction(runner.Connected(async run =>
        {
            ApiKeyInfo key = await Call(() => change(Admin(run), run.Parse.GetValue(id)!, run.Cancellation)).ConfigureAwait(false);
            if (run.Json)
            {
                Json.Write(run.Out, writer => WriteKey(writer, key));
            }
            else
            {
                run.Out.WriteLine($"key {key.Id} ({key.Name}) is {(key.Enabled ? "enabled" : "disabled")}");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Argument<string> KeyId() => new("id") { Description = "The key's id (tether keys list shows them)." };

    private static IApiKeyAdmin.Client Admin(Invocation run) => new(run.Client);

    private static Task<T> Call<T>(Func<ValueTask<T>> call) =>
        AdminService.CallAsync(ApiKeyAdminHandler.ServiceName, "add an ApiKeyAdminHandler to it", call);

    private static DateTimeOffset ExpiresAt(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset at) ? at : DateTimeOffset.UtcNow + Durations.Parse(text, "expiry");

    private static void WriteCreated(Invocation run, ApiKeyCreated created, string verb)
    {
        if (run.Json)
        {
            Json.Write(run.Out, writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("secret", created.Secret);
                writer.WritePropertyName("key");
                WriteKey(writer, created.Key);
                writer.WriteEndObject();
            });
            return;
        }

        run.Out.WriteLine($"{verb} key {created.Key.Id} ({created.Key.Name})");
        run.Out.WriteLine(created.Secret);
        run.Error.WriteLine("This is the only time the key is shown: store it now.");
    }

    private static void WriteKey(Utf8JsonWriter writer, ApiKeyInfo key)
    {
        writer.WriteStartObject();
        writer.WriteString("id", key.Id);
        writer.WriteString("name", key.Name);
        writer.WriteBoolean("enabled", key.Enabled);
        Json.WriteStrings(writer, "roles", key.Roles);
        Json.WriteStrings(writer, "scopes", key.Scopes);
        if (key.ExpiresAt is { } expiresAt)
        {
            writer.WriteString("expiresAt", expiresAt);
        }

        writer.WriteString("createdAt", key.CreatedAt);
        if (key.PreviousValidUntil is { } previous)
        {
            writer.WriteString("previousValidUntil", previous);
        }

        writer.WriteEndObject();
    }
}
