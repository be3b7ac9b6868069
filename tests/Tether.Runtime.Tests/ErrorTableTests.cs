namespace Tether.Runtime.Tests;

public sealed class ErrorTableTests
{
    [Fact]
    public void Every_error_code_has_exactly_one_row_with_a_unique_name()
    {
        TetherErrorCode[] codes = Enum.GetValues<TetherErrorCode>().Where(c => c != TetherErrorCode.None).ToArray();
        Assert.Equal(codes.Order(), TetherErrors.All.Select(d => d.Code).Order());
        Assert.Equal(TetherErrors.All.Count, TetherErrors.All.Select(d => d.Name).Distinct().Count());
        Assert.All(TetherErrors.All, d => Assert.False(string.IsNullOrWhiteSpace(d.DefaultMessage)));
    }

    [Fact]
    public void Exceptions_carry_their_row()
    {
        var error = new TetherDecodeException(TetherErrorCode.DecodeInvalidUtf8, 12);
        Assert.Equal("decode.invalid_utf8", error.Descriptor.Name);
        Assert.Equal(TetherErrorCategory.Serialization, error.Descriptor.Category);
        Assert.False(error.IsRetryable);
        Assert.Equal(12, error.Position);
        Assert.Contains("byte 12", error.Message);
    }
}
