using Tether.Samples.Resume;

// Usage: Tether.Samples.Resume [READINGS [CUTS]] — streams READINGS (default 20,000) numbered readings
// through a relay that cuts the link CUTS times (default 5), and exits 0 only if every reading arrived once, in order.
long readings = args.Length > 0 && long.TryParse(args[0], out long r) && r > 0 ? r : 20_000;
int cuts = args.Length > 1 && int.TryParse(args[1], out int c) && c >= 0 ? c : 5;
if (cuts >= readings)
{
    Console.Error.WriteLine("usage: Tether.Samples.Resume [READINGS [CUTS]] with CUTS < READINGS");
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
return await Demo.RunAsync(Console.Out, readings, cuts, stop.Token);
