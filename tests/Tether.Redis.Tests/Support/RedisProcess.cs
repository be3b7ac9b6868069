using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using StackExchange.Redis;

namespace Tether.Redis.Tests.Support;

/// <summary>
/// A real <c>redis-server</c> of the test's own on a loopback port (installed by <c>scripts/test.sh</c>), without
/// persistence, so a restart loses everything as a crashed cache would. Killed for real; started again on the same port.
/// Optionally with a password, or TLS only (a self-signed certificate for localhost made here).
/// </summary>
internal sealed class RedisProcess : IAsyncDisposable
{
    private readonly string? _password;
    private readonly string? _tlsDirectory;
    private Process? _process;

    private RedisProcess(int port, string? password, bool tls)
    {
        Port = port;
        _password = password;
        if (tls)
        {
            _tlsDirectory = Directory.CreateTempSubdirectory("tether-redis-tls-").FullName;
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            File.WriteAllText(Path.Combine(_tlsDirectory, "cert.pem"), Certificate.ExportCertificatePem());
            File.WriteAllText(Path.Combine(_tlsDirectory, "key.pem"), key.ExportPkcs8PrivateKeyPem());
        }
    }

    /// <summary>The server's certificate when it speaks TLS only.</summary>
    public X509Certificate2? Certificate { get; }

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port},connectTimeout=2000,syncTimeout=2000,asyncTimeout=2000" + (_password is null ? "" : ",password=" + _password);

    /// <summary>
    /// Options for this server: with TLS, <c>ssl</c> on and the server's certificate (self-signed) trusted by its
    /// thumbprint, as a user pins a private CA's certificate.
    /// </summary>
    public ConfigurationOptions Options()
    {
        ConfigurationOptions options = ConfigurationOptions.Parse(Configuration);
        if (Certificate is { } certificate)
        {
            options.Ssl = true;
            options.SslHost = "localhost";
            options.CertificateValidation += (_, presented, _, _) => presented is not null && presented.GetCertHashString() == certificate.GetCertHashString();
        }

        return options;
    }

    public static async Task<RedisProcess> StartAsync(string? password = null, bool tls = false)
    {
        var redis = new RedisProcess(FreePort(), password, tls);
        await redis.RestartAsync();
        return redis;
    }

    /// <summary>Kills the server (SIGKILL) and waits for it to be gone.</summary>
    public async Task KillAsync()
    {
        if (_process is { } process)
        {
            process.Kill();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
            process.Dispose();
            _process = null;
        }
    }

    /// <summary>Starts the server (again) on its port, empty, and waits until it answers.</summary>
    public async Task RestartAsync()
    {
        await KillAsync();
        string[] listen = _tlsDirectory is { } tls
            ? ["--port", "0", "--tls-port", Port.ToString(), "--tls-cert-file", Path.Combine(tls, "cert.pem"), "--tls-key-file", Path.Combine(tls, "key.pem"), "--tls-ca-cert-file", Path.Combine(tls, "cert.pem"), "--tls-auth-clients", "no"]
            : ["--port", Port.ToString()];
        var start = new ProcessStartInfo("redis-server", [.. listen, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", .. _password is null ? Array.Empty<string>() : ["--requirepass", _password]])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start (is it installed? scripts/test.sh installs it)");
        _process.OutputDataReceived += static (_, _) => { };
        _process.ErrorDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await Wait.UntilAsync(async () =>
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, "redis-server accepts connections");
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        Certificate?.Dispose();
        if (_tlsDirectory is not null)
        {
            Directory.Delete(_tlsDirectory, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
