
namespace Tether.Samples.Echo;

/// <summary>The echo service: the contract a server implements and a client calls (through the generated <c>IEcho.Client</c>).</summary>
[Service(Name = "Echo")]
public partial interface IEcho
{
    /// <summary>Returns the text, with the id of the server session that served it (the context is filled in on the server).</summary>
    ValueTask<EchoReply> Echo(EchoRequest request, CallContext context);

    /// <summary>One-way: counted by the server, nothing comes back.</summary>
    void Shout(Shout shout);
}
