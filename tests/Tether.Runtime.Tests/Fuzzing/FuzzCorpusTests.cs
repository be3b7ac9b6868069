using Tether.Fuzz;

namespace Tether.Runtime.Tests.Fuzzing;

/// <summary>
/// The checked-in fuzz corpus (<c>fuzz/corpus/TARGET</c>: the seeds, inputs afl-fuzz kept, and every past finding as a
/// <c>regress-*</c> file) replayed through the same targets afl-fuzz runs; the coverage-guided smoke run itself is
/// <c>scripts/fuzz.sh --smoke</c> in the test command.
/// </summary>
public sealed class FuzzCorpusTests
{
    public static TheoryData<string> Targets => [.. FuzzTargets.Names];

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Every_corpus_input_is_handled(string name)
    {
        FuzzTarget target = FuzzTargets.Find(name)!;
        string[] inputs = Directory.GetFiles(CorpusFolder(name));
        Assert.NotEmpty(inputs);
        foreach (string input in inputs.Order(StringComparer.Ordinal))
        {
            byte[] bytes = await File.ReadAllBytesAsync(input);
            Exception? finding = Record.Exception(() => target.Run(bytes));
            Assert.True(finding is null, $"{Path.GetFileName(input)}: {finding}");
        }

        if (target is ServerTarget server)
        {
            await server.CheckHealthyAsync();
        }

        if (target is IAsyncDisposable owned)
        {
            await owned.DisposeAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void The_checked_in_seeds_are_what_the_targets_generate(string name)
    {
        // After a change to a wire format, `dotnet fuzz/Tether.Fuzz/bin/Release/net10.0/Tether.Fuzz.dll seed fuzz/corpus` rewrites them.
        foreach ((string seed, byte[] bytes) in FuzzTargets.Find(name)!.Seeds())
        {
            string file = Path.Combine(CorpusFolder(name), "seed-" + seed);
            Assert.True(File.Exists(file), $"{file} is missing");
            Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(file)), $"{file} is stale");
        }
    }

    [Fact]
    public void A_decoder_that_believes_a_claimed_length_is_a_finding()
    {
        byte[] input = [0xFF, 0xFF, 0x3F]; // a varint claiming ~1M elements, with none present
        var finding = Assert.Throws<FuzzFindingException>(() => InputRules.Decode(input.Length, input, static i => GC.KeepAlive(new long[i[0] * i[1] * 16])));
        Assert.Contains("allocated", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_typed_errors_from_the_table_are_documented_refusals()
    {
        Assert.False(InputRules.Decode(2, 0, static _ => throw new TetherDecodeException(TetherErrorCode.DecodeTruncated, 1)));
        Assert.Throws<IndexOutOfRangeException>(() => InputRules.Decode(2, 0, static _ => throw new IndexOutOfRangeException()));
        Assert.Throws<TetherException>(() => InputRules.Decode(2, 0, static _ => throw new TetherException((TetherErrorCode)9999, "not in the table")));
    }

    private static string CorpusFolder(string target)
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Framework.sln")))
            {
                return Path.Combine(directory.FullName, "fuzz", "corpus", target);
            }
        }

        throw new DirectoryNotFoundException("The repository root (Framework.sln) is not above the test's folder.");
    }
}
