using Tether.Samples.Rpc;

// No arguments: the self-contained demo.
if (args.Length != 0)
{
    Console.Error.WriteLine("usage: Tether.Samples.Rpc (no arguments: runs the demo)");
    return 2;
}

return await Demo.RunAsync(Console.Out);
