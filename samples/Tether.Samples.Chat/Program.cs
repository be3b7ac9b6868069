using Tether.Samples.Chat;

// No arguments: the self-contained demo with three users.
if (args.Length != 0)
{
    Console.Error.WriteLine("usage: Tether.Samples.Chat (no arguments: runs the demo)");
    return 2;
}

return await Demo.RunAsync(Console.Out);
