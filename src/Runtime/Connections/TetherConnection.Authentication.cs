using System.Buffers;
using Tether.Framing;
using Tether.Security;
using Tether.Serialization;

namespace Tether.Connections;

/// <summary>
/// Who the session is and keeping it so (SPEC §6): the server's <see cref="SessionIdentity"/> from the hello, replaced
/// by a credentials refresh, and the session closed when its credentials expire unrefreshed; the client's credentials,
/// sent in every hello, and its refreshes (<c>docs/wire-format.md</c> §7.4).
/// </summary>
internal sealed partial class TetherConnection : IRateLimitSubject
{
    private SessionIdentity? _identity;
    private TetherCredentials? _credentials;
    private string? _sessionKey;
    private string? _addressKey;
    private CredentialsRefresh? _refresh;

    /// <summary>Server: who the session's last authentication said it is (null when the server runs no security).</summary>
    public SessionIdentity? Identity => Volatile.Read(ref _identity);

    string IRateLimitSubject.SessionKey => _sessionKey ??= "s:" + Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    string IRateLimitSubject.PrincipalKey => Identity?.PrincipalKey ?? "anonymous";

    string IRateLimitSubject.AddressKey => _addressKey ??= ServerSecurity.AddressKey(RemoteEndPoint);

    LimiterCache IRateLimitSubject.Limiters => LazyInitializer.EnsureInitialized(ref _limiters);

    private LimiterCache? _limiters;

    /// <summary>Server: the session is someone else now (a refresh from anonymous) or elsewhere (a resume): its partitions may differ.</summary>
    private void ReplaceIdentity(SessionIdentity identity)
    {
        Volatile.Write(ref _identity, identity);
        _limiters?.Clear();
    }

    // Made by whichever comes first, the server's hello or a refresh the application starts: one instance, or an answer
    // could reach another than the one waiting for it.
    private CredentialsRefresh Refresh => LazyInitializer.EnsureInitialized(ref _refresh);

    /// <summary>Client: the credentials the next hello presents.</summary>
    public void UseCredentials(TetherCredentials? credentials) => _credentials = credentials;

    /// <summary>Server: how long the session's credentials stay good, for the server hello (null: they do not expire).</summary>
    private TimeSpan? CredentialsLifetime()
    {
        if (Identity is not { ExpiresAtTimestamp: var expires and not long.MaxValue })
        {
            return null;
        }

        long left = expires - _settings.TimeProvider.GetTimestamp();
        return TimeSpan.FromSeconds(Math.Max(1, left) / (double)_settings.TimeProvider.TimestampFrequency);
    }

    /// <summary>Server: a resume granted with <paramref name="identity"/> (re-authenticated on the new link).</summary>
    private void OnResumedIdentity(SessionIdentity? identity)
    {
        _addressKey = null; // the client may resume from another address
        _limiters?.Clear();
        if (identity is not null)
        {
            ReplaceIdentity(identity);
        }
    }

    /// <summary>Server: on each tick of a linked session, closes it once its credentials have expired unrefreshed.</summary>
    private void CheckCredentialsExpiry(long now)
    {
        if (Identity is not { } identity || now < identity.ExpiresAtTimestamp || SessionClosing)
        {
            return;
        }

        _settings.Security?.OnCredentialsExpired(Id, identity);
        var expired = new TetherException(TetherErrorCode.CredentialsExpired,
            "The session's credentials expired and were not refreshed; start a new session with fresh credentials.");
        _closeReason ??= expired;
        Interlocked.Exchange(ref _sessionClosing, 1);
        TryWriteError(FrameType.Error, expired.Code, expired.Message); // call id 0: the session closes, do not resume
        RequestStop(expired);
    }

    /// <summary>An <see cref="FrameType.Authenticate"/> frame: a refresh (server) or the answer to one (client).</summary>
    private ValueTask OnAuthenticateFrame(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        if (!_settings.IsServer)
        {
            _refresh?.OnAnswer(header.CallId, header.MessageId, payload);
            return default;
        }

        TetherCredentials? credentials;
        try
        {
            var reader = new TetherReader(payload);
            credentials = Sessions.HelloCodec.ReadCredentials(ref reader);
        }
        catch (Exception e) when (e is TetherException or TetherDecodeException)
        {
            ProtocolError(TetherErrorCode.ProtocolViolation, $"A credentials refresh is malformed: {e.Message}");
            return default;
        }

        return RefreshOnServerAsync(header.CallId, credentials);
    }

    /// <summary>
    /// Server: authenticates refreshed credentials. Accepted (same principal): the session's identity, expiry and
    /// authorization decisions are replaced. Refused: the session keeps its current identity until it expires.
    /// </summary>
    private async ValueTask RefreshOnServerAsync(uint refreshId, TetherCredentials? credentials)
    {
        ServerSecurity? security = _settings.Security;
        SessionIdentity? current = Identity;
        if (security is null || current is null)
        {
            AnswerRefresh(refreshId, TetherErrorCode.Unauthenticated, "This server does not authenticate sessions.");
            return;
        }

        if (security.AdmitHello(Id, RemoteEndPoint) is { } limited)
        {
            AnswerRefresh(refreshId, limited.Code, limited.Message);
            return;
        }

        SessionIdentity renewed;
        try
        {
            var request = new AuthenticationRequest(AuthenticationPurpose.Refresh, credentials, PeerCertificate, RemoteEndPoint, TransportName);
            renewed = await security.AuthenticateAsync(Id, request, this).ConfigureAwait(false);
            if (current.IsAuthenticated && !string.Equals(renewed.Subject, current.Subject, StringComparison.Ordinal))
            {
                throw security.PrincipalChanged(Id, AuthenticationPurpose.Refresh, renewed, current);
            }
        }
        catch (TetherException refusal)
        {
            AnswerRefresh(refreshId, refusal.Code, refusal.Message);
            return;
        }

        ReplaceIdentity(renewed);
        security.OnRefreshed(Id, renewed);
        var buffer = new ArrayBufferWriter<byte>(10);
        var writer = new TetherWriter(buffer);
        writer.WriteVarUInt64(Sessions.ServerHello.LifetimeField(CredentialsLifetime()));
        writer.Flush();
        TryWriteControl(FrameType.Authenticate, refreshId, 0, buffer.WrittenSpan);
    }

    private void AnswerRefresh(uint refreshId, TetherErrorCode code, string reason) => TryWriteError(FrameType.Authenticate, refreshId, code, reason);

    private void TryWriteControl(FrameType type, uint callId, int code, ReadOnlySpan<byte> payload)
    {
        try
        {
            Output.WriteControl(type, callId, code, payload);
        }
        catch (TetherException)
        {
        }
    }

    /// <summary>Client: the server accepted the session's credentials (hello or refresh) for <paramref name="lifetime"/>.</summary>
    private void OnCredentialsAccepted(TimeSpan? lifetime) => Refresh.Accepted(lifetime, _settings.TimeProvider);

    /// <summary>Client: presents <paramref name="credentials"/> on the live session and waits for the server's answer.</summary>
    /// <exception cref="TetherException">Refused (<see cref="TetherErrorCode.Unauthenticated"/>, <see cref="TetherErrorCode.PrincipalChanged"/>, <see cref="TetherErrorCode.RateLimited"/>), or the session is not active.</exception>
    public async Task RefreshCredentialsAsync(TetherCredentials credentials, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        if (State != SessionState.Active)
        {
            throw new TetherException(TetherErrorCode.ConnectionClosed, $"The session is {State}; credentials can be refreshed only while it is active.");
        }

        (uint id, Task<TimeSpan?> answer) = Refresh.Begin();
        try
        {
            var buffer = new ArrayBufferWriter<byte>(64 + credentials.Secret.Length);
            var writer = new TetherWriter(buffer);
            Sessions.HelloCodec.WriteCredentials(ref writer, credentials);
            writer.Flush();
            Output.WriteControl(FrameType.Authenticate, id, 0, buffer.WrittenSpan);
            TimeSpan? lifetime = await answer.WaitAsync(cancellationToken).ConfigureAwait(false);
            _credentials = credentials; // accepted: a resume from now on presents these (a refused refresh changes nothing)
            OnCredentialsAccepted(lifetime);
        }
        finally
        {
            Refresh.Abandon(id);
        }
    }

    /// <summary>Client, on each tick: starts the automatic refresh when it is due and the client has a credentials provider.</summary>
    private void MaybeRefreshCredentials(long now)
    {
        if (_refresh is not { } refresh || now < refresh.DueAt || _settings.Client is not { RefreshesCredentials: true, Credentials: { } provider }
            || State != SessionState.Active || !refresh.TryBeginAutomatic())
        {
            return;
        }

        _ = RefreshAutomaticallyAsync(provider, refresh);
    }

    private async Task RefreshAutomaticallyAsync(Func<CancellationToken, ValueTask<TetherCredentials?>> provider, CredentialsRefresh refresh)
    {
        try
        {
            if (await provider(SessionStopToken).ConfigureAwait(false) is { } credentials)
            {
                await RefreshCredentialsAsync(credentials, SessionStopToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is TetherException or OperationCanceledException)
        {
            // The server closes the session at expiry with CredentialsExpired: that is where the application hears of it.
            ConnectionLog.CredentialsRefreshFailed(Logger, Id, e.Message);
            refresh.RetryLater(_settings.TimeProvider);
        }
        finally
        {
            refresh.EndAutomatic();
        }
    }
}
