using System.Buffers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Tether.Runtime.Tests.Storage;
using Tether.Server.Idempotency;

namespace Tether.Runtime.Tests.Calls;

/// <summary>The server's kept results of keyed calls: claims, repeats, waits, expiry, bounds, and the durable copy.</summary>
public sealed class IdempotencyCacheTests
{
    private static readonly byte[] Key = "key-1"u8.ToArray();

    private static byte[] Hash(string request) => IdempotencyCache.HashRequest(new ReadOnlySequence<byte>(System.Text.Encoding.UTF8.GetBytes(request)));

    private static IdempotentResult Reply(string body, CallMetadata? trailers = null) => new()
    {
        Kind = IdempotentAnswerKind.Reply,
        MessageId = 7,
        Body = System.Text.Encoding.UTF8.GetBytes(body),
        Trailers = trailers,
    };

    private static IdempotencyCache Open(FakeTimeProvider time, IdempotencyOptions? options = null, Tether.Storage.DurableStoreOptions? durable = null) =>
        IdempotencyCache.Open(options ?? new IdempotencyOptions(), durable, time, NullLogger.Instance);

    [Fact]
    public async Task The_first_call_runs_and_a_repeat_is_answered_with_its_result()
    {
        var time = new FakeTimeProvider();
        await using IdempotencyCache cache = Open(time);

        IdempotencyClaim first = cache.Claim(1, "", Key, Hash("a"));
        Assert.Equal(IdempotencyClaimKind.Run, first.Kind);
        await cache.KeepAsync(first.Entry!, Reply("answer"));

        IdempotencyClaim repeat = cache.Claim(1, "", Key, Hash("a"));
        Assert.Equal(IdempotencyClaimKind.Replay, repeat.Kind);
        Assert.Equal("answer"u8.ToArray(), repeat.Result!.Body);

        // The key is scoped: another method or another principal is a call of its own.
        Assert.Equal(IdempotencyClaimKind.Run, cache.Claim(2, "", Key, Hash("a")).Kind);
        Assert.Equal(IdempotencyClaimKind.Run, cache.Claim(1, "Bearer:alice", Key, Hash("a")).Kind);
        Assert.Equal(IdempotencyClaimKind.Mismatch, cache.Claim(1, "", Key, Hash("b")).Kind);
    }

    [Fact]
    public async Task A_repeat_while_the_first_runs_waits_and_an_abandoned_claim_lets_it_run()
    {
        var time = new FakeTimeProvider();
        await using IdempotencyCache cache = Open(time);
        IdempotencyClaim first = cache.Claim(1, "", Key, Hash("a"));

        IdempotencyClaim waiting = cache.Claim(1, "", Key, Hash("a"));
        Assert.Equal(IdempotencyClaimKind.Wait, waiting.Kind);
        Assert.False(waiting.Running!.IsCompleted);

        cache.Abandon(first.Entry!); // e.g. the handler was cancelled: nothing to keep
        Assert.True(waiting.Running.IsCompletedSuccessfully);
        IdempotencyClaim retried = cache.Claim(1, "", Key, Hash("a"));
        Assert.Equal(IdempotencyClaimKind.Run, retried.Kind);

        IdempotencyClaim third = cache.Claim(1, "", Key, Hash("a"));
        await cache.KeepAsync(retried.Entry!, Reply("second"));
        Assert.True(third.Running!.IsCompletedSuccessfully);
        Assert.Equal(IdempotencyClaimKind.Replay, cache.Claim(1, "", Key, Hash("a")).Kind);
    }

    [Fact]
    public async Task A_result_expires_after_the_retention()
    {
        var time = new FakeTimeProvider();
        await using IdempotencyCache cache = Open(time, new IdempotencyOptions { Retention = TimeSpan.FromMinutes(1) });
        await cache.KeepAsync(cache.Claim(1, "", Key, Hash("a")).Entry!, Reply("x"));

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(IdempotencyClaimKind.Replay, cache.Claim(1, "", Key, Hash("a")).Kind);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(IdempotencyClaimKind.Run, cache.Claim(1, "", Key, Hash("a")).Kind);
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Bytes);
    }

    [Fact]
    public async Task Memory_stays_within_the_entry_and_byte_bounds_dropping_the_oldest()
    {
        var time = new FakeTimeProvider();
        await using IdempotencyCache byCount = Open(time, new IdempotencyOptions { MaxEntries = 100 });
        await using IdempotencyCache byBytes = Open(time, new IdempotencyOptions { MaxBytes = 64 * 1024 });
        byte[] body = new byte[1000];
        for (int i = 0; i < 1000; i++)
        {
            byte[] key = BitConverter.GetBytes(i);
            await byCount.KeepAsync(byCount.Claim(1, "", key, Hash("a")).Entry!, Reply("x"));
            await byBytes.KeepAsync(byBytes.Claim(1, "", key, Hash("a")).Entry!, new IdempotentResult { Kind = IdempotentAnswerKind.Reply, Body = body });
            Assert.InRange(byCount.Count, 1, 100);
            Assert.InRange(byBytes.Bytes, 1, 64 * 1024);
        }

        Assert.Equal(900, byCount.Evicted);
        Assert.InRange(byBytes.Evicted, 900, 999);
        Assert.Equal(IdempotencyClaimKind.Replay, byCount.Claim(1, "", BitConverter.GetBytes(999), Hash("a")).Kind); // the newest stays
        Assert.Equal(IdempotencyClaimKind.Run, byCount.Claim(1, "", BitConverter.GetBytes(0), Hash("a")).Kind); // the oldest went
    }

    [Fact]
    public async Task With_a_durable_store_results_outlive_a_restart_and_expired_ones_do_not()
    {
        using var directory = new StoreDirectory();
        var time = new FakeTimeProvider();
        var options = new IdempotencyOptions { Retention = TimeSpan.FromMinutes(10) };
        var trailers = new CallMetadata { { "receipt", "r-1" }, { "blob", new byte[] { 1, 2 } } };
        await using (IdempotencyCache cache = Open(time, options, directory.Options()))
        {
            await cache.KeepAsync(cache.Claim(1, "Bearer:alice", Key, Hash("a")).Entry!, Reply("kept", trailers));
            time.Advance(TimeSpan.FromMinutes(5));
            await cache.KeepAsync(cache.Claim(1, "", "key-2"u8, Hash("b")).Entry!, new IdempotentResult
            {
                Kind = IdempotentAnswerKind.Error,
                Code = TetherErrorCode.InvalidArgument,
                Message = "amount must be positive",
            });
            cache.Claim(1, "", "key-3"u8, Hash("c")); // still running when the server goes: not kept
        }

        time.Advance(TimeSpan.FromMinutes(6)); // the first result has expired, the second has not
        await using IdempotencyCache reopened = Open(time, options, directory.Options());

        Assert.Equal(1, reopened.Count);
        Assert.Equal(IdempotencyClaimKind.Run, reopened.Claim(1, "Bearer:alice", Key, Hash("a")).Kind);
        IdempotencyClaim error = reopened.Claim(1, "", "key-2"u8, Hash("b"));
        Assert.Equal(IdempotencyClaimKind.Replay, error.Kind);
        Assert.Equal(TetherErrorCode.InvalidArgument, error.Result!.Code);
        Assert.Equal("amount must be positive", error.Result.Message);
        Assert.Equal(IdempotencyClaimKind.Run, reopened.Claim(1, "", "key-3"u8, Hash("c")).Kind);
    }

    [Fact]
    public void A_record_round_trips_with_its_trailers_and_a_damaged_one_is_refused()
    {
        var trailers = new CallMetadata { { "receipt", "r-1" }, { "blob", new byte[] { 1, 2 } } };
        DateTimeOffset expires = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);
        byte[] record = IdempotencyRecords.Encode(expires, Hash("a"), Reply("body", trailers));

        Assert.True(IdempotencyRecords.TryDecode(record, out DateTimeOffset at, out byte[] hash, out IdempotentResult? result));
        Assert.Equal(expires, at);
        Assert.Equal(Hash("a"), hash);
        Assert.Equal(IdempotentAnswerKind.Reply, result!.Kind);
        Assert.Equal(7, result.MessageId);
        Assert.Equal("body"u8.ToArray(), result.Body);
        Assert.Equal("r-1", result.Trailers!.GetString("receipt"));
        Assert.Equal([1, 2], result.Trailers.GetBytes("blob")!.Value.ToArray());

        for (int cut = 0; cut < record.Length; cut++)
        {
            Assert.False(IdempotencyRecords.TryDecode(record.AsSpan(0, cut), out _, out _, out _));
        }

        byte[] badKind = (byte[])record.Clone();
        badKind[8 + IdempotencyCache.HashBytes] = 9;
        Assert.False(IdempotencyRecords.TryDecode(badKind, out _, out _, out _));
    }
}
