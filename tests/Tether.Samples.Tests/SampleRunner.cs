using System.Diagnostics;
using System.Reflection;

namespace Tether.Samples.Tests;

/// <summary>Runs a sample's built executable, as a user would, and captures what it prints.</summary>
internal static class SampleRunner
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string sample, params string[] arguments)
    {
        using Process process = Start(sample, arguments);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Starts a sample with <paramref name="arguments"/>, its output redirected; the caller ends it.</summary>
    public static Process Start(string sample, params string[] arguments)
    {
        string configuration = typeof(SampleRunner).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        string dll = Path.Combine(RepositoryRoot(), "samples", sample, "bin", configuration, "net10.0", sample + ".dll");
        Assert.True(File.Exists(dll), $"{dll} was not built");
        var start = new ProcessStartInfo("dotnet", [dll, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        return Process.Start(start)!;
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
