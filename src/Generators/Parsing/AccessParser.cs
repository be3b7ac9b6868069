using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Tether.Generators.Model;
using Tether.Generators.Shared;

namespace Tether.Generators.Parsing;

/// <summary>
/// Reads who may call a handler's methods and their rate-limit policy into <see cref="MethodAccessModel"/>s: the
/// ASP.NET Core <c>[Authorize]</c> and <c>[AllowAnonymous]</c> and Tether's <c>[RateLimit]</c>, from the service
/// interface and its method (when there is one), the handler class and its method. As in ASP.NET Core, every
/// <c>[Authorize]</c> found applies and <c>[AllowAnonymous]</c> anywhere wins; the nearest <c>[RateLimit]</c> wins.
/// </summary>
internal static class AccessParser
{
    public static EquatableArray<MethodAccessModel> Parse(INamedTypeSymbol handler, INamedTypeSymbol? service, ContractModel contract)
    {
        var access = new List<MethodAccessModel>();
        foreach (HandlerMethodModel method in contract.Methods)
        {
            IMethodSymbol? declared = service?.GetMembers(method.Name).OfType<IMethodSymbol>().FirstOrDefault();
            IMethodSymbol? implementation = declared is not null
                ? handler.FindImplementationForInterfaceMember(declared) as IMethodSymbol
                : handler.GetMembers(method.Name).OfType<IMethodSymbol>().FirstOrDefault(HandlerParser.IsCandidate);

            // Outermost first: the nearest [RateLimit] is the last one seen.
            ISymbol?[] scopes = [service, declared, handler, implementation];
            bool anonymous = false;
            var rules = new List<AuthorizeModel>();
            string policy = "";
            int weight = 1;
            var filters = new List<string>();
            foreach (ISymbol? scope in scopes)
            {
                if (scope is null)
                {
                    continue;
                }

                foreach (AttributeData attribute in scope.GetAttributes())
                {
                    switch (attribute.AttributeClass is { } cls ? TypeShapeParser.MetadataName(cls) : "")
                    {
                        case KnownNames.AllowAnonymousAttribute:
                            anonymous = true;
                            break;
                        case KnownNames.AuthorizeAttribute:
                            rules.Add(new AuthorizeModel(
                                attribute.ConstructorArguments.FirstOrDefault().Value as string ?? ContractParser.ReadNamedArgument(attribute, "Policy") as string ?? "",
                                ContractParser.ReadNamedArgument(attribute, "Roles") as string ?? "",
                                ContractParser.ReadNamedArgument(attribute, "AuthenticationSchemes") as string ?? ""));
                            break;
                        case KnownNames.RateLimitAttribute:
                            policy = attribute.ConstructorArguments.FirstOrDefault().Value as string ?? "";
                            weight = ContractParser.ReadNamedArgument(attribute, "Weight") is int w && w > 0 ? w : 1;
                            break;
                        case KnownNames.CallFilterAttribute when attribute.AttributeClass!.TypeArguments.Length == 1:
                            string name = attribute.AttributeClass.TypeArguments[0].ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                            if (!filters.Contains(name))
                            {
                                filters.Add(name);
                            }

                            break;
                    }
                }
            }

            access.Add(new MethodAccessModel(method.MethodId, anonymous, rules.ToEquatableArray(), policy, weight, filters.ToEquatableArray()));
        }

        return access.ToEquatableArray();
    }
}
