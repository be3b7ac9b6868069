using Grpc.Core;
using Tether.Benchmarks.Network.Grpc;

namespace Tether.Benchmarks.Network.Servers;

public sealed class GrpcEchoService : EchoService.EchoServiceBase
{
    public override Task<Grpc.Order> Echo(Grpc.Order request, ServerCallContext context) => Task.FromResult(request);

    public override async Task<PublishReply> Publish(IAsyncStreamReader<Grpc.Order> requestStream, ServerCallContext context)
    {
        long received = 0;
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            received++;
        }

        return new PublishReply { Received = received };
    }

    public override async Task Chat(IAsyncStreamReader<Grpc.Order> requestStream, IServerStreamWriter<Grpc.Order> responseStream, ServerCallContext context)
    {
        while (await requestStream.MoveNext(context.CancellationToken))
        {
            await responseStream.WriteAsync(requestStream.Current, context.CancellationToken);
        }
    }
}
