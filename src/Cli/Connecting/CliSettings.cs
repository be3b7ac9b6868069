using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Tether.Cli.Output;

namespace Tether.Cli.Connecting;

/// <summary>
/// The settings of one run, each from the first place that gives it: a flag, then an environment variable, then the
/// config file, then the default (decision 0020).
/// </summary>
internal sealed record CliSettings(
    string? Server,
    string Transport,
    string? ApiKey,
    string? Token,
    string? CertificateAuthority,
    string? Certificate,
    string? CertificateKey,
    string? ServerName,
    TimeSpan Timeout,
    OutputFormat Output)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The server's address; a usage error when no source gives one.</summary>
    public string RequireServer() => Server
        ?? throw new UsageException("No server given: pass --server HOST:PORT, set TETHER_SERVER, or put \"server\" in the config file.");

    public static CliSettings Resolve(ParseResult parse, GlobalOptions options, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        string? configPath = parse.GetValue(options.Config) ?? environment("TETHER_CONFIG") ?? DefaultConfigPath(environment);
        Dictionary<string, string> config = LoadConfig(configPath, explicitly: parse.GetValue(options.Config) is not null || environment("TETHER_CONFIG") is not null);

        string? Pick(Option<string?> flag, string variable, string key) =>
            parse.GetValue(flag) ?? environment(variable) ?? config.GetValueOrDefault(key);

        string transport = (Pick(options.Transport, "TETHER_TRANSPORT", "transport") ?? "tcp").ToLowerInvariant();
        if (transport is not ("tcp" or "tls" or "quic"))
        {
            throw new UsageException($"Unknown transport '{transport}': use tcp, tls or quic.");
        }

        string output = (Pick(options.Output, "TETHER_OUTPUT", "output") ?? "table").ToLowerInvariant();
        OutputFormat format = output switch
        {
            "table" => OutputFormat.Table,
            "json" => OutputFormat.Json,
            _ => throw new UsageException($"Unknown output '{output}': use table or json."),
        };

        string? timeout = Pick(options.Timeout, "TETHER_TIMEOUT", "timeout");
        return new CliSettings(
            Pick(options.Server, "TETHER_SERVER", "server"),
            transport,
            Pick(options.ApiKey, "TETHER_API_KEY", "apiKey"),
            Pick(options.Token, "TETHER_TOKEN", "token"),
            Pick(options.CertificateAuthority, "TETHER_CA", "ca"),
            Pick(options.Certificate, "TETHER_CERT", "cert"),
            Pick(options.CertificateKey, "TETHER_KEY", "key"),
            Pick(options.ServerName, "TETHER_SERVER_NAME", "serverName"),
            timeout is null ? DefaultTimeout : Durations.Parse(timeout, "timeout"),
            format);
    }

    private static string? DefaultConfigPath(Func<string, string?> environment)
    {
        string? home = environment("XDG_CONFIG_HOME") ?? (environment("HOME") is { } h ? Path.Combine(h, ".config") : null);
        return home is null ? null : Path.Combine(home, "tether", "config.json");
    }

    // The file's top-level strings (and numbers, as text). A file named explicitly must exist; the default one may not.
    private static Dictionary<string, string> LoadConfig(string? path, bool explicitly)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (path is null || (!explicitly && !File.Exists(path)))
        {
            return values;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new UsageException($"The config file {path} must hold a JSON object.");
            }

            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                values[property.Name] = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString()!,
                    JsonValueKind.Number => property.Value.GetRawText(),
                    _ => throw new UsageException($"The config file {path}: '{property.Name}' must be a string."),
                };
            }
        }
        catch (IOException e)
        {
            throw new UsageException($"The config file {path} cannot be read: {e.Message}");
        }
        catch (JsonException e)
        {
            throw new UsageException($"The config file {path} is not valid JSON: {e.Message}");
        }

        return values;
    }
}

/// <summary>Durations as people type them: <c>250ms</c>, <c>10s</c>, <c>2m</c>, <c>1h</c>, or a .NET time span (<c>00:00:10</c>).</summary>
internal static class Durations
{
    public static TimeSpan Parse(string text, string what)
    {
        text = text.Trim();
        (string suffix, double scale)[] units = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)];
        foreach ((string suffix, double scale) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text.AsSpan(0, text.Length - suffix.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out double amount)
                && amount >= 0)
            {
                return TimeSpan.FromMilliseconds(amount * scale);
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out TimeSpan span) && span >= TimeSpan.Zero
            ? span
            : throw new UsageException($"The {what} '{text}' is not a duration (e.g. 500ms, 10s, 2m, 1h).");
    }
}
