using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Tether.Quic.Interop;

namespace Tether.Quic.Tests.Layout;

/// <summary>
/// The C# mirrors of ngtcp2's, GnuTLS's and the socket calls' structs have exactly the size, alignment and field offsets gcc gives
/// the C structs on this machine (layout.c, compiled against the installed headers).
/// </summary>
public sealed class LayoutTests
{
    private static readonly Type[] s_bound =
    [
        typeof(ngtcp2_cid), typeof(ngtcp2_vec), typeof(ngtcp2_pkt_info), typeof(ngtcp2_addr), typeof(ngtcp2_path),
        typeof(ngtcp2_path_storage), typeof(ngtcp2_preferred_addr), typeof(ngtcp2_version_info), typeof(ngtcp2_transport_params),
        typeof(ngtcp2_qlog_settings), typeof(ngtcp2_rand_ctx), typeof(ngtcp2_settings), typeof(ngtcp2_callbacks), typeof(ngtcp2_pkt_hd),
        typeof(ngtcp2_version_cid), typeof(ngtcp2_connection_close_error), typeof(ngtcp2_crypto_conn_ref), typeof(gnutls_datum_t),
        typeof(ngtcp2_conn_stat), typeof(ngtcp2_info), typeof(sockaddr_in), typeof(sockaddr_in6), typeof(iovec), typeof(msghdr), typeof(cmsghdr),
    ];

    [Fact]
    public void Every_bound_struct_matches_gcc_byte_for_byte()
    {
        Dictionary<string, string> c = CompileAndRunLayoutProgram();
        Dictionary<string, string> managed = ManagedLayout();

        Assert.Equal("0.12.1", c["version"]);
        var mismatches = managed.Where(kv => !c.TryGetValue(kv.Key, out string? native) || native != kv.Value)
            .Select(kv => $"{kv.Key}: C# {kv.Value}, C {(c.TryGetValue(kv.Key, out string? n) ? n : "(no such field)")}")
            .Concat(c.Keys.Where(k => k != "version" && !managed.ContainsKey(k)).Select(k => $"{k}: in C, not bound"))
            .ToList();
        Assert.True(mismatches.Count == 0, string.Join(Environment.NewLine, mismatches));
        Assert.Equal(s_bound.Length, managed.Keys.Count(k => !k.Contains('.', StringComparison.Ordinal)));
    }

    [Fact]
    public void The_struct_sizes_are_the_ones_the_probe_measured()
    {
        // Independent of gcc: a regression here shows even where the layout program cannot be built.
        Assert.Equal(32, Unsafe.SizeOf<ngtcp2_cid>());
        Assert.Equal(8, Unsafe.SizeOf<ngtcp2_pkt_info>());
        Assert.Equal(96, Unsafe.SizeOf<ngtcp2_path_storage>());
        Assert.Equal(344, Unsafe.SizeOf<ngtcp2_transport_params>());
        Assert.Equal(184, Unsafe.SizeOf<ngtcp2_settings>());
        Assert.Equal(320, Unsafe.SizeOf<ngtcp2_callbacks>());
        Assert.Equal(112, Unsafe.SizeOf<ngtcp2_pkt_hd>());
    }

    [Fact]
    public void The_native_stack_is_present_and_of_the_bound_version()
    {
        NativeQuic.ThrowIfUnsupported();
        Assert.True(NativeQuic.IsSupported);
        Assert.StartsWith("0.12.", NativeQuic.Version, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> ManagedLayout()
    {
        var layout = new Dictionary<string, string>(StringComparer.Ordinal);
        MethodInfo sizeOf = typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!;
        MethodInfo alignOf = typeof(LayoutTests).GetMethod(nameof(AlignOf), BindingFlags.NonPublic | BindingFlags.Static)!;
        foreach (Type type in s_bound)
        {
            int size = (int)sizeOf.MakeGenericMethod(type).Invoke(null, null)!;
            int align = (int)alignOf.MakeGenericMethod(type).Invoke(null, null)!;
            Assert.Equal(size, Marshal.SizeOf(type)); // blittable: the marshalled size is the same
            layout[type.Name] = $"size={size} align={align}";
            foreach (FieldInfo field in type.GetFields(BindingFlags.Public | BindingFlags.Instance))
            {
                layout[$"{type.Name}.{field.Name}"] = $"@{Marshal.OffsetOf(type, field.Name)}";
            }
        }

        return layout;
    }

    private static int AlignOf<T>() where T : unmanaged => Unsafe.SizeOf<AlignmentProbe<T>>() - Unsafe.SizeOf<T>();

    [StructLayout(LayoutKind.Sequential)]
    private struct AlignmentProbe<T> where T : unmanaged
    {
#pragma warning disable CS0649 // only its layout matters
        public byte Leading;
        public T Value;
#pragma warning restore CS0649
    }

    private static Dictionary<string, string> CompileAndRunLayoutProgram()
    {
        string source = Path.Combine(AppContext.BaseDirectory, "Layout", "layout.c");
        string program = Path.Combine(Path.GetTempPath(), $"tether-layout-{Environment.ProcessId}");
        try
        {
            Run("gcc", $"-Wall -Werror -o \"{program}\" \"{source}\" -lngtcp2");
            var layout = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string line in Run(program, "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                int space = line.IndexOf(' ', StringComparison.Ordinal);
                layout[line[..space]] = line[(space + 1)..];
            }

            return layout;
        }
        finally
        {
            File.Delete(program);
        }
    }

    private static string Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), $"{file} did not finish");
        Assert.True(process.ExitCode == 0, $"{file} {arguments} exited {process.ExitCode}: {error.Result}");
        return output.Result;
    }
}
