using System.Diagnostics;
using SharpFuzz;
using Tether.Fuzz;

// tether-fuzz list | afl TARGET | replay TARGET PATH... | seed DIR  (docs/fuzzing.md; scripts/fuzz.sh drives afl-fuzz)
return args switch
{
    ["list"] => List(),
    ["afl", string name] => Afl(name),
    ["replay", string name, .. string[] paths] when paths.Length > 0 => await ReplayAsync(name, paths),
    ["seed", string directory] => Seed(directory),
    _ => Usage(),
};

static int List()
{
    foreach (FuzzTarget target in FuzzTargets.Create())
    {
        Console.WriteLine($"{target.Name,-8} {target.Description}");
    }

    return 0;
}

static int Afl(string name)
{
    // Nothing instrumented may run before Fuzzer.Run has attached afl-fuzz's coverage map (it would write through a
    // null map), so the target is made on the first input.
    FuzzTarget? target = null;
    ArraySegment<byte> input = default; // the input being run (the stream's buffer, not a copy)
    // An exception on a thread of the target's own (a timer, a read loop) ends the process, and afl-fuzz then sees
    // only its fork server die ("Unable to communicate with fork server") and saves nothing: the exception and the
    // input go to files the script prints and replays.
    if (Environment.GetEnvironmentVariable("TETHER_FUZZ_UNHANDLED") is { Length: > 0 } unhandledPath)
    {
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            File.WriteAllBytes(unhandledPath + ".input", input.AsSpan());
            File.WriteAllText(unhandledPath, e.ExceptionObject.ToString());
        };
    }

    Fuzzer.Run(stream =>
    {
        target ??= FuzzTargets.Find(name) ?? throw new ArgumentException($"No fuzz target is called '{name}'.", nameof(name));
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        input = new ArraySegment<byte>(copy.GetBuffer(), 0, (int)copy.Length);
        target.Run(input);
    });
    return 0;
}

static async Task<int> ReplayAsync(string name, string[] paths)
{
    if (FuzzTargets.Find(name) is not { } target)
    {
        return Usage();
    }

    int findings = 0, inputs = 0;
    (TimeSpan Time, string File) slowest = (TimeSpan.Zero, "");
    foreach (string file in paths.SelectMany(static p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p]).Order(StringComparer.Ordinal))
    {
        inputs++;
        long started = Stopwatch.GetTimestamp();
        try
        {
            target.Run(File.ReadAllBytes(file));
        }
        catch (Exception e)
        {
            findings++;
            Console.WriteLine($"FINDING {file}: {e.GetType().Name}: {e.Message}");
            Console.WriteLine(e.StackTrace);
        }

        // afl-fuzz kills an input that outlasts its limit (-t in scripts/fuzz.sh), and the in-process runner with it.
        TimeSpan took = Stopwatch.GetElapsedTime(started);
        if (took > slowest.Time)
        {
            slowest = (took, file);
        }
    }

    if (target is ServerTarget server)
    {
        try
        {
            await server.CheckHealthyAsync();
        }
        catch (FuzzFindingException e)
        {
            findings++;
            Console.WriteLine($"FINDING after the inputs: {e.Message}");
        }
    }

    if (target is IAsyncDisposable owned)
    {
        await owned.DisposeAsync();
    }

    Console.WriteLine($"{target.Name}: {inputs} inputs, {findings} findings, slowest {slowest.Time.TotalMilliseconds:N0} ms ({slowest.File})");
    return findings == 0 ? 0 : 1;
}

static int Seed(string directory)
{
    foreach (FuzzTarget target in FuzzTargets.Create())
    {
        string folder = Path.Combine(directory, target.Name);
        Directory.CreateDirectory(folder);
        foreach ((string seedName, byte[] bytes) in target.Seeds())
        {
            File.WriteAllBytes(Path.Combine(folder, "seed-" + seedName), bytes);
        }
    }

    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: tether-fuzz list | afl TARGET | replay TARGET PATH... | seed DIR");
    Console.Error.WriteLine("targets: " + string.Join(", ", FuzzTargets.Names));
    return 2;
}
