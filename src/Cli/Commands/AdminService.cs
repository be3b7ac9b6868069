namespace Tether.Cli.Commands;

/// <summary>Calls an administration service, saying how to host it when the server does not.</summary>
internal static class AdminService
{
    public static async Task<T> CallAsync<T>(string service, string howToHost, Func<ValueTask<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (TetherException e) when (e.Code == TetherErrorCode.UnknownMethod)
        {
            throw new TetherException(TetherErrorCode.UnknownMethod, $"The server does not host {service}: {howToHost}.", e);
        }
    }
}
