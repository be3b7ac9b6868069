namespace Tether.Calls;

/// <summary>
/// A client's retry budget (gRPC's retry throttling): tokens, in thousandths so they can move with one interlocked
/// operation. A failed attempt takes 1 token, a success gives back the policy's ratio; a retry is allowed only while
/// more than half the tokens remain, so when most calls fail, retries stop multiplying load.
/// </summary>
internal sealed class RetryBudget
{
    private const int Scale = 1000;
    private readonly int _max;
    private readonly int _threshold;
    private readonly int _refill;
    private int _tokens;

    public RetryBudget(int tokens, double ratio)
    {
        _max = tokens * Scale;
        _threshold = _max / 2;
        _refill = Math.Max(1, (int)Math.Round(ratio * Scale));
        _tokens = _max;
    }

    /// <summary>The budget is off (0 tokens): every retryable failure may be retried.</summary>
    public bool IsUnlimited => _max == 0;

    /// <summary>Tokens left.</summary>
    public double Tokens => Volatile.Read(ref _tokens) / (double)Scale;

    /// <summary>A call succeeded: gives back the ratio, up to the maximum.</summary>
    public void OnSuccess()
    {
        if (IsUnlimited)
        {
            return;
        }

        int current = Volatile.Read(ref _tokens);
        while (current < _max)
        {
            int seen = Interlocked.CompareExchange(ref _tokens, Math.Min(_max, current + _refill), current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>An attempt failed retryably: takes a token and says whether a retry is still allowed.</summary>
    public bool OnFailure()
    {
        if (IsUnlimited)
        {
            return true;
        }

        int current = Volatile.Read(ref _tokens);
        while (true)
        {
            int next = Math.Max(0, current - Scale);
            int seen = Interlocked.CompareExchange(ref _tokens, next, current);
            if (seen == current)
            {
                return next > _threshold;
            }

            current = seen;
        }
    }
}
