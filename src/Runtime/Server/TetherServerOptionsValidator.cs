using Microsoft.Extensions.Options;

namespace Tether;

/// <summary>Validates <see cref="TetherServerOptions"/> (source-generated from its data annotations; no reflection).</summary>
[OptionsValidator]
internal sealed partial class TetherServerOptionsValidator : IValidateOptions<TetherServerOptions>
{
}
