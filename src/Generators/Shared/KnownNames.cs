namespace Tether.Generators.Shared;

/// <summary>Names the generator looks for and emits, kept in one place.</summary>
internal static class KnownNames
{
    public const string MessageAttribute = "Tether.MessageAttribute";
    public const string MessageIgnoreAttribute = "Tether.MessageIgnoreAttribute";
    public const string HandlerAttribute = "Tether.HandlerAttribute";
    public const string HandlerIgnoreAttribute = "Tether.HandlerIgnoreAttribute";
    public const string ServiceAttribute = "Tether.ServiceAttribute";
    public const string MethodAttribute = "Tether.MethodAttribute";
    public const string OneWayAttribute = "Tether.OneWayAttribute";
    public const string ObsoleteAttribute = "System.ObsoleteAttribute";
    public const string RemovedMethodAttribute = "Tether.RemovedMethodAttribute";
    public const string CallContext = "Tether.CallContext";
    public const string AuthorizeAttribute = "Microsoft.AspNetCore.Authorization.AuthorizeAttribute";
    public const string AllowAnonymousAttribute = "Microsoft.AspNetCore.Authorization.AllowAnonymousAttribute";
    public const string RateLimitAttribute = "Tether.Security.RateLimitAttribute";
    public const string CallFilterAttribute = "Tether.CallFilterAttribute`1";

    public const string IMessage = "global::Tether.IMessage";
    public const string IMessageHandler = "global::Tether.IMessageHandler";
    public const string Writer = "global::Tether.Serialization.TetherWriter";
    public const string Reader = "global::Tether.Serialization.TetherReader";
    public const string Wire = "global::Tether.Serialization.Wire";
    public const string WireSize = "global::Tether.Serialization.WireSize";
    public const string ErrorCode = "global::Tether.TetherErrorCode";
    public const string TetherException = "global::Tether.TetherException";
    public const string ContextType = "global::Tether.CallContext";
    public const string ServiceDescriptor = "global::Tether.ServiceDescriptor";
    public const string MethodDescriptor = "global::Tether.MethodDescriptor";
    public const string MessageShape = "global::Tether.MessageShape";
    public const string MemberShape = "global::Tether.MemberShape";
    public const string EnumShape = "global::Tether.EnumShape";
    public const string RemovedMethod = "global::Tether.RemovedMethod";
    public const string MethodKind = "global::Tether.MethodKind";
    public const string MethodAccess = "global::Tether.Security.MethodAccess";
    public const string CallFilterType = "global::Tether.CallFilterType";
    public const string IAuthorizeData = "global::Microsoft.AspNetCore.Authorization.IAuthorizeData";
    public const string AuthorizeAttributeType = "global::Microsoft.AspNetCore.Authorization.AuthorizeAttribute";
    public const string ValueTask = "global::System.Threading.Tasks.ValueTask";
    public const string CancellationToken = "global::System.Threading.CancellationToken";
    public const string TetherPeer = "global::Tether.TetherPeer";
    public const string Sequence = "global::System.Buffers.ReadOnlySequence<byte>";
    public const string GeneratedCode = "[global::System.CodeDom.Compiler.GeneratedCode(\"Tether.Generators\", \"0.1.0\")]";
    public const string AggressiveInlining = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]";

    public const string NoInlining = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]";
    public const string PoolingBuilder = "[global::System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(global::System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]";
}
