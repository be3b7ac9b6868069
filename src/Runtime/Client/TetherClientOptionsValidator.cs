using Microsoft.Extensions.Options;

namespace Tether;

/// <summary>Validates <see cref="TetherClientOptions"/> (source-generated from its data annotations; no reflection).</summary>
[OptionsValidator]
internal sealed partial class TetherClientOptionsValidator : IValidateOptions<TetherClientOptions>
{
}
