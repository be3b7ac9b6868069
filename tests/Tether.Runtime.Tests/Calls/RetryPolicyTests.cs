using Tether.Calls;

namespace Tether.Runtime.Tests.Calls;

/// <summary>The retry policy's backoff and codes, its validation, and the budget that stops retries when most calls fail.</summary>
public sealed class RetryPolicyTests
{
    [Fact]
    public void Backoff_grows_by_the_multiplier_up_to_the_cap_less_at_most_the_jitter()
    {
        var policy = new RetryPolicy { InitialBackoff = TimeSpan.FromMilliseconds(100), MaxBackoff = TimeSpan.FromMilliseconds(350), BackoffMultiplier = 2, Jitter = 0.5 };
        var random = new Random(42);
        for (int i = 0; i < 200; i++)
        {
            Assert.InRange(policy.BackoffBefore(2, random).TotalMilliseconds, 50, 100);
            Assert.InRange(policy.BackoffBefore(3, random).TotalMilliseconds, 100, 200);
            Assert.InRange(policy.BackoffBefore(4, random).TotalMilliseconds, 175, 350); // capped
        }

        var exact = new RetryPolicy { InitialBackoff = TimeSpan.FromMilliseconds(10), Jitter = 0 };
        Assert.Equal(TimeSpan.FromMilliseconds(40), exact.BackoffBefore(4, random));
    }

    [Fact]
    public void The_default_codes_are_the_tables_retryable_ones_and_the_ends_of_a_session()
    {
        var policy = new RetryPolicy();
        foreach (TetherErrorDescriptor row in TetherErrors.All)
        {
            bool sessionEnd = row.Code is TetherErrorCode.NotDelivered or TetherErrorCode.SessionExpired or TetherErrorCode.SessionUnknown
                or TetherErrorCode.ResumeRejected or TetherErrorCode.ReplayBufferOverflow;
            Assert.Equal(row.IsRetryable || sessionEnd, policy.IsRetryable(row.Code));
        }

        Assert.False(policy.IsRetryable(TetherErrorCode.HandlerFailed));
        Assert.False(policy.IsRetryable(TetherErrorCode.IdempotencyKeyReused));
    }

    [Fact]
    public void A_client_refuses_a_policy_out_of_range()
    {
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            new TetherClient(new TetherClientOptions { Retry = new RetryPolicy { MaxAttempts = 0 } }));
        Assert.Contains("MaxAttempts", error.Message, StringComparison.Ordinal);
        Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            new TetherClient(new TetherClientOptions { Retry = new RetryPolicy { Jitter = 1.5 } }));
    }

    [Fact]
    public void The_budget_stops_retries_once_half_its_tokens_are_spent_and_successes_earn_them_back()
    {
        var budget = new RetryBudget(tokens: 10, ratio: 0.1);
        int allowed = 0;
        while (budget.OnFailure())
        {
            allowed++;
        }

        Assert.Equal(4, allowed); // 10 → 9, 8, 7, 6 allowed; at 5 (half) retries stop
        Assert.False(budget.OnFailure());
        Assert.Equal(4, budget.Tokens, 3);

        for (int i = 0; i < 30; i++)
        {
            budget.OnSuccess(); // 4 + 30 × 0.1 = 7
        }

        Assert.Equal(7, budget.Tokens, 3);
        Assert.True(budget.OnFailure()); // 7 → 6: more than half
        Assert.False(budget.OnFailure()); // 6 → 5: not more than half
        Assert.True(new RetryBudget(0, 0.1).OnFailure()); // 0 tokens: no budget
    }
}
