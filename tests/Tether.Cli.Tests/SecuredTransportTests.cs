using System.Security.Cryptography.X509Certificates;
using Tether.Conformance.Tests.Support;
using Tether.Quic;
using Tether.Transport;
using Tether.Transport.Tls;

namespace Tether.Cli.Tests;

/// <summary>The tool over TLS and QUIC: trusting a root from a PEM file, presenting a client certificate, refusing an untrusted server.</summary>
public sealed class SecuredTransportTests
{
    [Theory]
    [InlineData("tls")]
    [InlineData("quic")]
    public async Task The_tool_calls_over_a_secured_transport_with_a_client_certificate(string transport)
    {
        string files = Directory.CreateTempSubdirectory("tether-cli-tls").FullName;
        string ca = Path.Combine(files, "root.pem");
        string cert = Path.Combine(files, "client.pem");
        string key = Path.Combine(files, "client.key");
        await File.WriteAllTextAsync(ca, TestCertificates.Authority.ExportCertificatePem());
        await File.WriteAllTextAsync(cert, TestCertificates.Client.ExportCertificatePem());
        await File.WriteAllTextAsync(key, TestCertificates.Client.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        var tls = new TetherTlsOptions { Certificate = TestCertificates.Server, ClientCertificates = ClientCertificateMode.Required };
        tls.TrustedAuthorities.Add(TestCertificates.Authority);
        await using KitchenServer server = await KitchenServer.StartAsync(o =>
            o.Transport = transport == "tls" ? new TlsTransport(tls) : new QuicTransport(tls, new QuicTransportOptions()));

        ToolResult call = await ToolRunner.RunAsync("call", "Kitchen/Old", """{"To": 3}""", "-s", server.Address, "--transport", transport,
            "--ca", ca, "--cert", cert, "--key", key, "-o", "json");
        ToolResult untrusted = await ToolRunner.RunAsync("ping", "-s", server.Address, "--transport", transport, "--cert", cert, "--key", key);

        Assert.True(call.ExitCode == 0, call.ToString());
        JsonAssert.Equivalent("""{"Value": 3}""", call.Output);
        Assert.True(untrusted.ExitCode == 3, untrusted.ToString()); // the system's roots do not include the test root
        Assert.Contains("error 3102 tls.untrusted_certificate", untrusted.Error, StringComparison.Ordinal);
    }
}
