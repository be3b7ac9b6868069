using Tether.Runtime.Tests.Dispatch;
using Tether.Storage;
using Tether.Transport.InMemory;

namespace Tether.Runtime.Tests.Storage;

/// <summary>A durable server whose disk fills up, and one whose directory cannot be used: typed errors, never silent loss.</summary>
public sealed class DurableSessionFaultTests
{
    [Fact]
    public async Task A_full_disk_ends_the_session_with_StoreUnavailable_and_a_new_one_works_once_there_is_space()
    {
        using var directory = new StoreDirectory();
        var files = new FaultyFileSystem();
        DurableStoreOptions storage = directory.Options();
        storage.FileSystem = files;
        var transport = new InMemoryTransport();
        await using var server = new TetherServer(new TetherServerOptions
        {
            Transport = transport,
            EndPoint = new InMemoryEndPoint(Guid.NewGuid().ToString("N")),
            DurableSessions = storage,
        });
        server.AddHandler(new ProbeHandler());
        await server.StartAsync();

        var options = new TetherClientOptions { Transport = transport };
        options.Reconnect.InitialDelay = TimeSpan.FromMilliseconds(5);
        options.Reconnect.MaxDelay = TimeSpan.FromMilliseconds(50);
        await using var client = new TetherClient(options);
        await client.StartAsync(server.LocalEndPoint!).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(new Pong(1, 10), await client.RequestAsync<Ping, Pong>(new Ping(1)).AsTask().WaitAsync(TimeSpan.FromMinutes(1)));

        files.WriteBudget = 0; // the disk is full: the reply cannot be logged
        try
        {
            await client.RequestAsync<Ping, Pong>(new Ping(2)).AsTask().WaitAsync(TimeSpan.FromMinutes(1));
        }
        catch (TetherException)
        {
            // Either way is honest: the reply left with the goaway that ended the session, or the call failed by name.
        }

        // The server cannot keep the session, so it ends it and says why (a goaway: the client does not resume it).
        await client.Closed.WaitAsync(TimeSpan.FromMinutes(1));
        TetherException reason = Assert.IsType<TetherException>(client.CloseReason);
        Assert.Equal(TetherErrorCode.StoreUnavailable, reason.Code);
        Assert.Contains("no space left", reason.Message, StringComparison.Ordinal);

        files.WriteBudget = long.MaxValue; // space again: a new session is durable again
        await using var next = new TetherClient(new TetherClientOptions { Transport = transport });
        await next.StartAsync(server.LocalEndPoint!).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(next.Contract!.Durable);
        Assert.Equal(new Pong(3, 30), await next.RequestAsync<Ping, Pong>(new Ping(3)).AsTask().WaitAsync(TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task A_directory_that_cannot_be_used_fails_the_start_with_a_typed_error()
    {
        using var directory = new StoreDirectory();
        string file = Path.Combine(directory.Path, "not-a-directory");
        await File.WriteAllTextAsync(file, "x");
        await using var server = new TetherServer(new TetherServerOptions
        {
            Transport = new InMemoryTransport(),
            EndPoint = new InMemoryEndPoint(Guid.NewGuid().ToString("N")),
            DurableSessions = new DurableStoreOptions { Directory = Path.Combine(file, "sessions") },
        });
        TetherException failed = await Assert.ThrowsAsync<TetherException>(() => server.StartAsync());
        Assert.Equal(TetherErrorCode.StoreUnavailable, failed.Code);
    }

    [Fact]
    public async Task Two_servers_never_share_a_session_directory()
    {
        using var directory = new StoreDirectory();
        var transport = new InMemoryTransport();
        TetherServer Create() => new(new TetherServerOptions
        {
            Transport = transport,
            EndPoint = new InMemoryEndPoint(Guid.NewGuid().ToString("N")),
            DurableSessions = directory.Options(),
        });

        await using TetherServer first = Create();
        await first.StartAsync();
        await using TetherServer second = Create();
        TetherException refused = await Assert.ThrowsAsync<TetherException>(() => second.StartAsync());
        Assert.Equal(TetherErrorCode.StoreLocked, refused.Code);
    }
}
