using System.Buffers;

namespace Tether.Runtime.Tests.Dispatch;

/// <summary>A <c>[Service]</c> interface is the contract: its declaration, method ids and the dispatch of a handler implementing it.</summary>
public sealed class ServiceContractTests
{
    private readonly QuotesHandler _handler = new();
    private readonly RecordingCallContext _context = new();

    [Fact]
    public void The_interface_declares_every_method_with_its_id_and_kind()
    {
        ServiceDescriptor service = IQuotes.Descriptor;

        Assert.Equal("Quotes", service.Name);
        Assert.Equal(1, service.Version);
        Assert.Equal(
            new ServiceDescriptor("Quotes", 1, new[]
            {
                new MethodDescriptor(MethodIds.Derive("Quotes", "Fire"), "Fire", MethodKind.OneWay, 202, 0),
                new MethodDescriptor(MethodIds.Derive("Quotes", "Latest"), "Latest", MethodKind.Unary, 200, 201),
                new MethodDescriptor(77, "Pinned", MethodKind.Unary, 200, 201),
                new MethodDescriptor(MethodIds.Derive("Quotes", "Record"), "Record", MethodKind.OneWay, 200, 0),
                new MethodDescriptor(MethodIds.Derive("Quotes", "Stream"), "Stream", MethodKind.ServerStreaming, 200, 201),
            }, []).Methods, // the same methods, attached to the service
            service.Methods.OrderBy(m => m.Name));
        Assert.All(service.Methods, m => Assert.Equal($"Quotes/{m.Name}", m.FullName));
        Assert.Equal([200, 201, 202], service.Messages.Select(m => m.Id));
    }

    [Fact]
    public void The_handler_declares_the_interface_s_contract_and_only_that()
    {
        ServiceDescriptor handler = HandlerDispatch.Describe<QuotesHandler>();

        Assert.Equal(IQuotes.Descriptor.Name, handler.Name);
        Assert.Equal(IQuotes.Descriptor.Methods, handler.Methods);
        Assert.DoesNotContain(handler.Methods, m => m.Name == "Helper");
    }

    [Fact]
    public async Task Two_unary_methods_taking_the_same_message_are_dispatched_apart()
    {
        await Dispatch(MethodIds.Derive("Quotes", "Latest"), new Ping(5));
        Assert.Equal(new Pong(5, 1), TetherCodec.Decode<Pong>(_context.Buffer.WrittenSpan));

        _context.Reset();
        await Dispatch(77, new Ping(6)); // implemented explicitly: called through the interface
        Assert.Equal(new Pong(6, 77), TetherCodec.Decode<Pong>(_context.Buffer.WrittenSpan));
    }

    [Fact]
    public async Task An_async_one_way_method_completes_when_the_handler_does_and_sends_nothing()
    {
        _handler.RecordGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ValueTask completion = Dispatch(MethodIds.Derive("Quotes", "Record"), new Ping(9));
        Assert.False(completion.IsCompleted);

        _handler.RecordGate.SetResult();
        await completion;
        Assert.Equal(["record:9"], _handler.Calls);
        Assert.Equal(0, _context.Replies);
        Assert.Equal(0, _context.EmptyCompletions);
    }

    [Fact]
    public void A_method_outside_the_interface_is_not_dispatched()
    {
        Assert.False(HandlerDispatch.CanDispatch<QuotesHandler>(MethodIds.Derive("Quotes", "Helper")));
        Assert.False(HandlerDispatch.CanDispatch<QuotesHandler>(200));
    }

    [Fact]
    public void A_call_by_message_type_finds_the_only_method_of_its_kind_or_none()
    {
        Assert.Equal(MethodIds.Derive("Quotes", "Stream"), HandlerDispatch.FindMethod<QuotesHandler>(200, MethodKind.ServerStreaming));
        Assert.Equal(MethodIds.Derive("Quotes", "Fire"), HandlerDispatch.FindMethod<QuotesHandler>(202, MethodKind.OneWay));
        Assert.Equal(0, HandlerDispatch.FindMethod<QuotesHandler>(200, MethodKind.Unary)); // Latest and Pinned: ambiguous
        Assert.Equal(0, HandlerDispatch.FindMethod<QuotesHandler>(205, MethodKind.Unary)); // nobody takes it
    }

    [Fact]
    public void Derived_ids_are_positive_stable_and_differ_by_service_and_method()
    {
        Assert.Equal(MethodIds.Derive("Quotes", "Latest"), MethodIds.Derive("Quotes", "Latest"));
        Assert.NotEqual(MethodIds.Derive("Quotes", "Latest"), MethodIds.Derive("Prices", "Latest"));
        Assert.All(new[] { "A", "Latest", "Ünïcødé", "" }, name => Assert.True(MethodIds.Derive("Quotes", name) > 0));

        // FNV-1a 32 of "a/b" is 0x3A8E_75C1 (sign bit already clear): the documented derivation, not just any hash.
        Assert.Equal(0x3A8E_75C1, MethodIds.Derive("a", "b"));
    }

    private ValueTask Dispatch<T>(int methodId, T message)
        where T : IMessage<T>
    {
        var payload = new ReadOnlySequence<byte>(TetherCodec.ToArray(message));
        Assert.True(HandlerDispatch.TryDispatch(_handler, methodId, payload, _context, out ValueTask completion));
        return completion;
    }
}

/// <summary>A contract with deprecated methods: <c>[Obsolete]</c> flows into the capability declaration (and so into introspection).</summary>
[Service(Name = "Evolving")]
[RemovedMethod("Legacy", Reason = "Use Quote2.")]
[RemovedMethod("Pinned", Id = 4321)]
public partial interface IEvolving
{
    [Obsolete("Use Quote2.")]
    ValueTask<Pong> Quote(Ping request, CancellationToken ct);

#pragma warning disable CA1041 // the case under test: [Obsolete] without a message
    [Obsolete]
    void Forget(Note request);
#pragma warning restore CA1041

    [Method(Version = 3)]
    ValueTask<Pong> Quote2(Ping request, CancellationToken ct);
}

public sealed class DeprecationTests
{
    [Fact]
    public void Obsolete_methods_declare_their_deprecation_and_the_others_none()
    {
        IReadOnlyList<MethodDescriptor> methods = IEvolving.Descriptor.Methods;

        Assert.Equal("Use Quote2.", methods.Single(static m => m.Name == "Quote").Deprecation);
        Assert.Equal("", methods.Single(static m => m.Name == "Forget").Deprecation);
        Assert.Null(methods.Single(static m => m.Name == "Quote2").Deprecation);
    }

    [Fact]
    public void Versions_and_removed_methods_are_declared()
    {
        ServiceDescriptor service = IEvolving.Descriptor;

        Assert.Equal(3, service.Methods.Single(static m => m.Name == "Quote2").Version);
        Assert.Equal(1, service.Methods.Single(static m => m.Name == "Quote").Version);
        Assert.Equal(
            new[] { new RemovedMethod(4321, "Pinned", ""), new RemovedMethod(MethodIds.Derive("Evolving", "Legacy"), "Legacy", "Use Quote2.") }.OrderBy(static r => r.Id),
            service.RemovedMethods);
    }
}
