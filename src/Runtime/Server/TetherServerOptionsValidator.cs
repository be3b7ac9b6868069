using Microsoft.Extensions.Options;

namespace Tether.Server;

/// <summary>Validates <see cref="TetherServerOptions"/> (source-generated from its data annotations; no reflection).</summary>
[OptionsValidator]
public sealed partial class TetherServerOptionsValidator : IValidateOptions<TetherServerOptions>
{
}
