using System.Runtime.CompilerServices;

namespace Tether.Fuzz;

/// <summary>The service the server target exposes: a unary call, a server stream, a one-way message, a client stream and a bidirectional stream, each taking <see cref="Everything"/>.</summary>
[Service(Name = "Fuzz")]
public partial interface IFuzzService
{
    ValueTask<Receipt> Call(Everything value, CallContext context);

    IAsyncEnumerable<Receipt> Stream(Everything value, CancellationToken cancellationToken);

    [OneWay]
    ValueTask Note(Everything value, CancellationToken cancellationToken);

    ValueTask<Receipt> Upload(IAsyncEnumerable<Everything> values, CancellationToken cancellationToken);

    IAsyncEnumerable<Receipt> Chat(IAsyncEnumerable<Everything> values, CancellationToken cancellationToken);
}

[Handler]
public sealed partial class FuzzHandler : IFuzzService
{
    public ValueTask<Receipt> Call(Everything value, CallContext context) =>
        new(new Receipt(value.Numbers?.Length ?? 0, context.RequestMetadata.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    public async IAsyncEnumerable<Receipt> Stream(Everything value, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (int i = 0; i < 3; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new Receipt(i, value.Text);
            await Task.Yield();
        }
    }

    public ValueTask Note(Everything value, CancellationToken cancellationToken) => default;

    public async ValueTask<Receipt> Upload(IAsyncEnumerable<Everything> values, CancellationToken cancellationToken)
    {
        int count = 0;
        await foreach (Everything value in values.WithCancellation(cancellationToken))
        {
            count++;
        }

        return new Receipt(count, "uploaded");
    }

    public async IAsyncEnumerable<Receipt> Chat(IAsyncEnumerable<Everything> values, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (Everything value in values.WithCancellation(cancellationToken))
        {
            yield return new Receipt(value.Numbers?.Length ?? 0, value.Text);
        }
    }
}
