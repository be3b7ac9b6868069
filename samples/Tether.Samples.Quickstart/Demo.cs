using System.Buffers;

namespace Tether.Samples.Quickstart;

/// <summary>The quickstart demo, callable from tests.</summary>
public static class Demo
{
    public static async Task<int> RunAsync(TextWriter output)
    {
        output.WriteLine("Tether quickstart: generated codecs, dispatch and capabilities");
        output.WriteLine();

        // 1. A generated codec: encode, show the bytes, decode.
        var order = new Order(123_456_789, 100, 101.25, "MSFT.OQ1", IsBuy: true, new DateTime(2026, 11, 24, 12, 0, 0, DateTimeKind.Utc).Ticks);
        byte[] bytes = TetherCodec.ToArray(order);
        output.WriteLine($"[codec] {order}");
        output.WriteLine($"[codec] encoded in {bytes.Length} bytes: {Convert.ToHexString(bytes)}");
        Order decoded = TetherCodec.Decode<Order>(bytes.AsSpan());
        output.WriteLine($"[codec] decoded back equal: {decoded == order}");

        // 2. Schema evolution both ways.
        OrderV2 upgraded = TetherCodec.Decode<OrderV2>(bytes.AsSpan());
        output.WriteLine($"[evolution] v1 bytes read by v2: Venue={upgraded.Venue ?? "null"}, Notes={(upgraded.Notes is null ? "null" : "set")}");
        byte[] newer = TetherCodec.ToArray(upgraded with { Venue = "XNAS", Notes = ["first fill"] });
        output.WriteLine($"[evolution] v2 bytes ({newer.Length} B) read by v1: {TetherCodec.Decode<Order>(newer.AsSpan()) == order}");

        // 3. Bad input: a typed error from the error table, nothing else.
        try
        {
            TetherCodec.Decode<Order>(bytes.AsSpan(0, 12));
        }
        catch (TetherDecodeException error)
        {
            output.WriteLine($"[errors] truncated input -> {(int)error.Code} {error.Descriptor.Name}: {error.Message}");
        }

        // 4. Generated dispatch: a switch on method id calling the handler directly. A caller names the method; here we
        //    find each one by the message it takes (what the runtime does for RequestAsync and SendAsync).
        var handler = new TradingHandler();
        var context = new PrintingCallContext();
        await DispatchAsync(handler, order, context);
        await DispatchAsync(handler, new Order(7, 0, 1, "BAD", false, 0), context);
        await DispatchAsync(handler, new QuoteRequest("MSFT", 3), context);
        await DispatchAsync(handler, new AuditNote("demo ran", new() { ["who"] = "quickstart" }), context);
        foreach ((int id, byte[] body) in context.Frames)
        {
            string text = id switch
            {
                2 => "reply " + TetherCodec.Decode<Receipt>(body.AsSpan()),
                4 => "stream item " + TetherCodec.Decode<Quote>(body.AsSpan()),
                -1 => "end of stream",
                _ => "empty reply",
            };
            output.WriteLine($"[dispatch] {text}");
        }

        output.WriteLine($"[dispatch] one-way notes received: {string.Join(", ", handler.Audit)}");
        bool known = HandlerDispatch.CanDispatch<TradingHandler>(999);
        output.WriteLine($"[dispatch] method id 999 handled: {known}");

        // 5. The capability declaration: static data a generic client can read.
        ServiceDescriptor service = HandlerDispatch.Describe<TradingHandler>();
        output.WriteLine($"[capabilities] service {service.Name} v{service.Version}");
        foreach (MethodDescriptor method in service.Methods)
        {
            output.WriteLine($"[capabilities]   {method.Kind,-15} {method.Name}({method.RequestMessageId}) -> {method.ResponseMessageId}, method id {method.Id}");
        }

        foreach (MessageShape shape in service.Messages)
        {
            output.WriteLine($"[capabilities]   message {shape.Id} {shape.TypeName}: {string.Join(", ", shape.Members.Select(static m => m.Name + " " + m.WireType))}");
        }

        output.WriteLine();
        output.WriteLine("done");
        return 0;
    }

    private static async ValueTask DispatchAsync<T>(TradingHandler handler, T message, CallContext context)
        where T : IMessage<T>
    {
        var payload = new ReadOnlySequence<byte>(TetherCodec.ToArray(message));
        int methodId = Enum.GetValues<MethodKind>().Select(kind => HandlerDispatch.FindMethod<TradingHandler>(T.MessageId, kind)).FirstOrDefault(id => id != 0);
        if (!HandlerDispatch.TryDispatch(handler, methodId, payload, context, out ValueTask completion))
        {
            throw new InvalidOperationException($"No handler method for message {T.MessageId}.");
        }

        await completion;
    }
}
