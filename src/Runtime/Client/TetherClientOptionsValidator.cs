using Microsoft.Extensions.Options;

namespace Tether.Client;

/// <summary>Validates <see cref="TetherClientOptions"/> (source-generated from its data annotations; no reflection).</summary>
[OptionsValidator]
public sealed partial class TetherClientOptionsValidator : IValidateOptions<TetherClientOptions>
{
}
