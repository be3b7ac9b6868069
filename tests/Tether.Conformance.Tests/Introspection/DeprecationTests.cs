using Tether.Conformance.Tests.Support;

namespace Tether.Conformance.Tests.Introspection;

/// <summary>A contract mid-migration: one method deprecated for its successor.</summary>
[Service(Name = "Aging")]
public partial interface IAging
{
    [Obsolete("Use Lookup2.")]
    ValueTask<Balance> Lookup(Entry entry, CancellationToken cancellationToken);

    [Method(Version = 2)]
    ValueTask<Balance> Lookup2(Entry entry, CancellationToken cancellationToken);
}

[Handler]
public sealed partial class AgingHandler : IAging
{
    public ValueTask<Balance> Lookup(Entry entry, CancellationToken cancellationToken) => new(new Balance(entry.Account, entry.Amount, "old"));

    public ValueTask<Balance> Lookup2(Entry entry, CancellationToken cancellationToken) => new(new Balance(entry.Account, entry.Amount, "new"));
}

/// <summary>Negotiation tells a client which methods the server declares deprecated: in the contract, as an event and a log warning.</summary>
public sealed class DeprecationTests
{
    [Theory]
    [InlineData("tcp")]
    [InlineData("inmemory")]
    public async Task A_new_session_reports_the_servers_deprecated_methods_and_they_still_answer(string transport)
    {
        await using Harness harness = await Harness.StartAsync(transport == "tcp" ? TransportUnderTest.Tcp() : TransportUnderTest.InMemory(),
            setup: s => s.AddHandler(new AgingHandler()));
        var reported = new TaskCompletionSource<IReadOnlyList<DeprecatedMethod>>(TaskCreationOptions.RunContinuationsAsynchronously);

        TetherClient client = await harness.ConnectAsync(setup: c => c.MethodsDeprecated += methods => reported.TrySetResult(methods));
        Balance old = await new IAging.Client(client).Lookup(new Entry(1, 5)).Within();

        var expected = new DeprecatedMethod("Aging", "Lookup", MethodIds.Derive("Aging", "Lookup"), "Use Lookup2.");
        Assert.Equal([expected], client.Contract!.DeprecatedMethods);
        Assert.Equal([expected], await reported.Task.Within());
        Assert.Equal("old", old.By); // deprecated, not gone
    }

    [Fact]
    public async Task A_server_without_deprecated_methods_reports_none()
    {
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.Tcp());
        bool raised = false;

        TetherClient client = await harness.ConnectAsync(setup: c => c.MethodsDeprecated += _ => raised = true);

        Assert.Empty(client.Contract!.DeprecatedMethods);
        Assert.False(raised); // raised, if at all, before ConnectAsync returns
    }
}
