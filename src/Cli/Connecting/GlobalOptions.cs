using System.CommandLine;

namespace Tether.Cli.Connecting;

/// <summary>The options every command takes: where the server is, how to reach it, who the caller is, how to print.</summary>
internal sealed class GlobalOptions
{
    public Option<string?> Server { get; } = new("--server", "-s") { Description = "The server, HOST:PORT (env TETHER_SERVER, config 'server').", Recursive = true };

    public Option<string?> Transport { get; } = new("--transport", "-t") { Description = "tcp, tls or quic (env TETHER_TRANSPORT, config 'transport'; default tcp).", Recursive = true };

    public Option<string?> ApiKey { get; } = new("--api-key") { Description = "An API key to authenticate with (env TETHER_API_KEY, config 'apiKey'). Never printed.", Recursive = true };

    public Option<string?> Token { get; } = new("--token") { Description = "A bearer token to authenticate with (env TETHER_TOKEN, config 'token'). Never printed.", Recursive = true };

    public Option<string?> CertificateAuthority { get; } = new("--ca") { Description = "TLS/QUIC: a PEM file of the roots to trust instead of the system's (env TETHER_CA, config 'ca').", Recursive = true };

    public Option<string?> Certificate { get; } = new("--cert") { Description = "TLS/QUIC: a PEM client certificate for mTLS (env TETHER_CERT, config 'cert').", Recursive = true };

    public Option<string?> CertificateKey { get; } = new("--key") { Description = "TLS/QUIC: the PEM private key of --cert (env TETHER_KEY, config 'key').", Recursive = true };

    public Option<string?> ServerName { get; } = new("--server-name") { Description = "TLS/QUIC: the name the server's certificate must carry (default: the host of --server).", Recursive = true };

    public Option<string?> Timeout { get; } = new("--timeout") { Description = "Connect and call timeout, e.g. 500ms, 10s, 2m (env TETHER_TIMEOUT, config 'timeout'; default 30s).", Recursive = true };

    public Option<string?> Output { get; } = new("--output", "-o") { Description = "table or json (env TETHER_OUTPUT, config 'output'; default table).", Recursive = true };

    public Option<string?> Config { get; } = new("--config") { Description = "A JSON config file (env TETHER_CONFIG; default ~/.config/tether/config.json when it exists).", Recursive = true };

    public void AddTo(RootCommand root)
    {
        foreach (Option option in new Option[] { Server, Transport, ApiKey, Token, CertificateAuthority, Certificate, CertificateKey, ServerName, Timeout, Output, Config })
        {
            root.Options.Add(option);
        }
    }
}
