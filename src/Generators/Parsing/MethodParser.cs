using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Tether.Generators.Model;
using Tether.Generators.Shared;

namespace Tether.Generators.Parsing;

/// <summary>
/// Turns one method's signature into a <see cref="HandlerMethodModel"/>, the same way for a <c>[Handler]</c> class's
/// methods and a <c>[Service]</c> interface's: a message first, then at most one CallContext and one CancellationToken,
/// and a return type that names the method's kind.
/// </summary>
internal static class MethodParser
{
    /// <summary>Parses <paramref name="method"/>, whose first parameter is message <paramref name="request"/>; null with a <paramref name="problem"/> when no method kind fits.</summary>
    /// <param name="method">The method.</param>
    /// <param name="request">Its first parameter's type, a message.</param>
    /// <param name="requestId">That message's id.</param>
    /// <param name="serviceName">The service, for the derived method id.</param>
    /// <param name="messageTypes">Receives the reply type, for the capability shapes.</param>
    /// <param name="problem">Why the method cannot be called, when it returns null.</param>
    public static HandlerMethodModel? Parse(IMethodSymbol method, INamedTypeSymbol request, int requestId, string serviceName, List<INamedTypeSymbol> messageTypes, out string? problem)
    {
        problem = null;
        if (method.IsGenericMethod)
        {
            problem = "generic methods cannot be dispatched";
            return null;
        }

        List<string>? arguments = ParseArguments(method, out problem);
        if (arguments is null)
        {
            return null;
        }

        ReturnKind? kind = ClassifyReturn(method, out ITypeSymbol? result);
        if (kind is null)
        {
            problem = method.IsAsync && method.ReturnsVoid
                ? "'async void' cannot be awaited or report failures; return ValueTask instead"
                : $"return type '{method.ReturnType.ToDisplayString()}' is not void, a [Message] type, ValueTask, Task, ValueTask<T>, Task<T> or IAsyncEnumerable<T>";
            return null;
        }

        bool markedOneWay = HasAttribute(method, KnownNames.OneWayAttribute);
        TypeShapeParser.TryGetRequest(method.Parameters[0].Type, out _, out _, out bool inputStream);
        if (inputStream && (markedOneWay || kind is not (ReturnKind.ValueTaskOfT or ReturnKind.TaskOfT or ReturnKind.AsyncEnumerable)))
        {
            problem = $"it takes a stream of requests but returns '{method.ReturnType.ToDisplayString()}'; a client-streaming method returns its reply (ValueTask<T> or Task<T>) and a bidirectional one an IAsyncEnumerable<T>";
            return null;
        }

        if (inputStream && IsIdempotent(method))
        {
            problem = "it takes a stream of requests, which a retry cannot send again; only methods taking one message can be [Method(Idempotent = true)]";
            return null;
        }

        if (markedOneWay && kind is not (ReturnKind.Void or ReturnKind.ValueTask or ReturnKind.Task))
        {
            problem = $"it is marked [OneWay] but returns '{method.ReturnType.ToDisplayString()}'; a one-way method returns void, ValueTask or Task";
            return null;
        }

        int explicitId = ExplicitId(method);
        if (explicitId < 0 || (explicitId == 0 && HasExplicitId(method)))
        {
            problem = $"[Method(Id = {explicitId})] is not a positive number";
            return null;
        }

        int version = ExplicitVersion(method);
        if (version < 1)
        {
            problem = $"[Method(Version = {version})] is not a positive number";
            return null;
        }

        string responseType = string.Empty;
        int responseId = 0;
        if (result is not null)
        {
            if (result is not INamedTypeSymbol resultType || !TypeShapeParser.TryGetMessageId(resultType, out responseId))
            {
                problem = $"it returns '{result.ToDisplayString()}', which is not a [Message] type";
                return null;
            }

            responseType = TypeShapeParser.TypeName(resultType);
            messageTypes.Add(resultType);
        }

        int methodId = explicitId != 0 ? explicitId : MethodIdHash.Derive(serviceName, method.Name);
        return new HandlerMethodModel(method.Name, methodId, TypeShapeParser.TypeName(request), requestId, arguments.ToEquatableArray(),
            kind.Value, markedOneWay || kind == ReturnKind.Void, responseType, responseId, Deprecation(method), version, IsIdempotent(method), inputStream);
    }

    /// <summary>The text of the method's <c>[Obsolete]</c> (empty when it gives none), or null when it has none.</summary>
    private static string? Deprecation(IMethodSymbol method)
    {
        foreach (AttributeData attribute in method.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() == KnownNames.ObsoleteAttribute)
            {
                return attribute.ConstructorArguments.Length > 0 && attribute.ConstructorArguments[0].Value is string text ? text : string.Empty;
            }
        }

        return null;
    }

    /// <summary>Whether <c>[Method(Idempotent = true)]</c> marks the method.</summary>
    private static bool IsIdempotent(IMethodSymbol method)
    {
        foreach (AttributeData attribute in method.GetAttributes())
        {
            if (attribute.AttributeClass is { } cls && TypeShapeParser.MetadataName(cls) == KnownNames.MethodAttribute
                && ContractParser.ReadNamedArgument(attribute, "Idempotent") is true)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The version set by <c>[Method(Version = n)]</c>, or 1.</summary>
    private static int ExplicitVersion(IMethodSymbol method)
    {
        foreach (AttributeData attribute in method.GetAttributes())
        {
            if (attribute.AttributeClass is { } cls && TypeShapeParser.MetadataName(cls) == KnownNames.MethodAttribute
                && ContractParser.ReadNamedArgument(attribute, "Version") is int version)
            {
                return version;
            }
        }

        return 1;
    }

    /// <summary>The id set by <c>[Method(Id = n)]</c>, or 0.</summary>
    public static int ExplicitId(IMethodSymbol method)
    {
        foreach (AttributeData attribute in method.GetAttributes())
        {
            if (attribute.AttributeClass is { } cls && TypeShapeParser.MetadataName(cls) == KnownNames.MethodAttribute)
            {
                foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
                {
                    if (argument.Key == "Id" && argument.Value.Value is int id)
                    {
                        return id;
                    }
                }
            }
        }

        return 0;
    }

    public static bool HasAttribute(IMethodSymbol method, string metadataName) =>
        method.GetAttributes().Any(a => a.AttributeClass is { } cls && TypeShapeParser.MetadataName(cls) == metadataName);

    private static bool HasExplicitId(IMethodSymbol method) =>
        method.GetAttributes().Any(static a => a.AttributeClass is { } cls && TypeShapeParser.MetadataName(cls) == KnownNames.MethodAttribute
            && a.NamedArguments.Any(static n => n.Key == "Id"));

    private static List<string>? ParseArguments(IMethodSymbol method, out string? problem)
    {
        problem = null;
        var arguments = new List<string>();
        bool hasContext = false, hasToken = false;
        for (int i = 0; i < method.Parameters.Length; i++)
        {
            IParameterSymbol parameter = method.Parameters[i];
            if (parameter.RefKind != RefKind.None)
            {
                problem = $"parameter '{parameter.Name}' is passed by reference; handler parameters are passed by value";
                return null;
            }

            if (i == 0)
            {
                continue;
            }

            string typeName = TypeShapeParser.MetadataName(parameter.Type);
            if (typeName == KnownNames.CallContext && !hasContext)
            {
                hasContext = true;
                arguments.Add("context");
            }
            else if (typeName == "System.Threading.CancellationToken" && !hasToken)
            {
                hasToken = true;
                arguments.Add("context.CancellationToken");
            }
            else if (parameter.Type is INamedTypeSymbol other && TypeShapeParser.TryGetMessageId(other, out _))
            {
                problem = $"it takes a second message ('{parameter.Name}'); a handler method receives exactly one message, first";
                return null;
            }
            else
            {
                problem = $"parameter '{parameter.Name}' of type '{parameter.Type.ToDisplayString()}' is not allowed; after the message a handler may take one CallContext and one CancellationToken";
                return null;
            }
        }

        return arguments;
    }

    private static ReturnKind? ClassifyReturn(IMethodSymbol method, out ITypeSymbol? result)
    {
        result = null;
        if (method.ReturnsVoid)
        {
            return method.IsAsync ? null : ReturnKind.Void;
        }

        if (method.ReturnType is not INamedTypeSymbol returnType)
        {
            return null;
        }

        switch (TypeShapeParser.MetadataName(returnType.OriginalDefinition))
        {
            case "System.Threading.Tasks.ValueTask": return ReturnKind.ValueTask;
            case "System.Threading.Tasks.Task": return ReturnKind.Task;
            case "System.Threading.Tasks.ValueTask`1": result = returnType.TypeArguments[0]; return ReturnKind.ValueTaskOfT;
            case "System.Threading.Tasks.Task`1": result = returnType.TypeArguments[0]; return ReturnKind.TaskOfT;
            case "System.Collections.Generic.IAsyncEnumerable`1": result = returnType.TypeArguments[0]; return ReturnKind.AsyncEnumerable;
            default:
                // A message returned synchronously is a unary reply (checked to be a [Message] by the caller).
                if (method.IsAsync || !TypeShapeParser.TryGetMessageId(returnType, out _))
                {
                    return null;
                }

                result = returnType;
                return ReturnKind.Message;
        }
    }
}
