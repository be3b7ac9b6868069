using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Tether.Generators.Model;
using Tether.Generators.Shared;

namespace Tether.Generators.Parsing;

/// <summary>Turns a class marked <c>[Handler]</c> into a <see cref="HandlerModel"/> or diagnostics.</summary>
/// <remarks>
/// Every public instance method whose first parameter is a message is a handler method, unless marked
/// <c>[HandlerIgnore]</c>; other methods are helpers and are left alone.
/// </remarks>
internal static class HandlerParser
{
    public static ParseResult<HandlerModel> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        Parse((INamedTypeSymbol)context.TargetSymbol, (TypeDeclarationSyntax)context.TargetNode, context.Attributes[0], cancellationToken);

    /// <summary>Parses one declaration of a handler class (the analyzer calls this with the symbol it is given).</summary>
    public static ParseResult<HandlerModel> Parse(INamedTypeSymbol type, TypeDeclarationSyntax syntax, AttributeData attribute, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        if (!Declarations.AllPartial(syntax))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.HandlerNotPartial, syntax.Identifier.GetLocation(), type.Name));
        }

        var methods = new List<HandlerMethodModel>();
        var messageTypes = new List<INamedTypeSymbol>();
        var methodByRequest = new Dictionary<int, string>();
        foreach (IMethodSymbol method in type.GetMembers().OfType<IMethodSymbol>())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!IsCandidate(method) || method.Parameters[0].Type is not INamedTypeSymbol request
                || !TypeShapeParser.TryGetMessageId(request, out int requestId))
            {
                continue;
            }

            Location location = method.Locations.FirstOrDefault() ?? syntax.Identifier.GetLocation();
            HandlerMethodModel? model = ParseMethod(method, request, requestId, messageTypes, out string? problem);
            if (model is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.HandlerMethodNotDispatchable, location, method.Name, problem!));
                continue;
            }

            if (methodByRequest.TryGetValue(requestId, out string? other))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticIds.DuplicateHandlerMessage, location, other, method.Name, request.Name));
                continue;
            }

            methodByRequest.Add(requestId, method.Name);
            methods.Add(model);
            messageTypes.Add(request);
        }

        if (diagnostics.Count > 0)
        {
            return new(null, diagnostics.ToEquatableArray());
        }

        string serviceName = ReadNamedArgument(attribute, "ServiceName") as string ?? DefaultServiceName(type.Name);
        int version = ReadNamedArgument(attribute, "Version") is int v ? v : 1;
        var handler = new HandlerModel(
            Declarations.Namespace(type),
            Declarations.HintName(type, "Dispatch"),
            Declarations.Describe(syntax),
            TypeShapeParser.TypeName(type),
            Declarations.ContainingTypes(syntax),
            serviceName,
            version,
            methods.OrderBy(static m => m.RequestId).ToEquatableArray(),
            CapabilityShapes.Collect(messageTypes, cancellationToken));
        return new(handler, EquatableArray<DiagnosticInfo>.Empty);
    }

    /// <summary>
    /// Whether a method is one the dispatcher would consider: public, instance, ordinary, with at least
    /// one parameter and no <c>[HandlerIgnore]</c>. It handles a message when its first parameter is one.
    /// </summary>
    public static bool IsCandidate(IMethodSymbol method) =>
        method.MethodKind == MethodKind.Ordinary && !method.IsStatic && method.DeclaredAccessibility == Accessibility.Public
        && method.Parameters.Length > 0
        && !method.GetAttributes().Any(static a => a.AttributeClass is { } cls && TypeShapeParser.MetadataName(cls) == KnownNames.HandlerIgnoreAttribute);

    private static HandlerMethodModel? ParseMethod(IMethodSymbol method, INamedTypeSymbol request, int requestId, List<INamedTypeSymbol> messageTypes, out string? problem)
    {
        problem = null;
        if (method.IsGenericMethod)
        {
            problem = "generic methods cannot be dispatched";
            return null;
        }

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

        ReturnKind? kind = ClassifyReturn(method, out ITypeSymbol? result);
        if (kind is null)
        {
            problem = method.IsAsync && method.ReturnsVoid
                ? "'async void' cannot be awaited or report failures; return ValueTask instead"
                : $"return type '{method.ReturnType.ToDisplayString()}' is not void, a [Message] type, ValueTask, Task, ValueTask<T>, Task<T> or IAsyncEnumerable<T>";
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

        return new HandlerMethodModel(method.Name, TypeShapeParser.TypeName(request), requestId, arguments.ToEquatableArray(), kind.Value, responseType, responseId);
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

    private static object? ReadNamedArgument(AttributeData attribute, string name)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
        {
            if (argument.Key == name)
            {
                return argument.Value.Value;
            }
        }

        return null;
    }

    private static string DefaultServiceName(string typeName) =>
        typeName.Length > "Handler".Length && typeName.EndsWith("Handler", System.StringComparison.Ordinal)
            ? typeName.Substring(0, typeName.Length - "Handler".Length)
            : typeName;
}
