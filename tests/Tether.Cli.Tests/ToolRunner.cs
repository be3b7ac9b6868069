using System.Diagnostics;
using System.Reflection;

namespace Tether.Cli.Tests;

/// <summary>What one run of the tool printed and returned.</summary>
public sealed record ToolResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
}

/// <summary>Runs the built <c>tether</c> tool as a process, as a user would, with a clean environment (no TETHER_* variables, a HOME without a config file).</summary>
public static class ToolRunner
{
    private static readonly string s_home = Directory.CreateTempSubdirectory("tether-cli-home").FullName;

    public static string ToolPath
    {
        get
        {
            string configuration = typeof(ToolRunner).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
            string dll = Path.Combine(RepositoryRoot(), "src", "Cli", "bin", configuration, "net10.0", "tether.dll");
            Assert.True(File.Exists(dll), $"{dll} was not built");
            return dll;
        }
    }

    public static Task<ToolResult> RunAsync(params string[] arguments) => RunAsync(arguments, environment: null, input: null);

    public static async Task<ToolResult> RunAsync(string[] arguments, IReadOnlyDictionary<string, string>? environment, string? input)
    {
        var start = new ProcessStartInfo("dotnet", [ToolPath, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string name in start.Environment.Keys.Where(static k => k.StartsWith("TETHER_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["HOME"] = s_home;
        start.Environment.Remove("XDG_CONFIG_HOME");
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2)); // only catches a hang
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new ToolResult(process.ExitCode, await stdout, await stderr);
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Framework.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Framework.sln not found above " + AppContext.BaseDirectory);
    }
}
