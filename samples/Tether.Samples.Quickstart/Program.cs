using Tether.Samples.Quickstart;

return await Demo.RunAsync(Console.Out);
