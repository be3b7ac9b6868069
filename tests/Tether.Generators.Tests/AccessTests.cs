using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Tether.Security;

namespace Tether.Generators.Tests;

/// <summary>[Authorize], [AllowAnonymous] and [RateLimit] read into the handler's dispatch table, from every place they may stand.</summary>
public sealed class AccessTests
{
    private const string Source = """
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Authorization;
        using Tether;
        using Tether.Security;

        namespace Bank;

        [Message(1)] public partial record Order(int Id);
        [Message(2)] public partial record Receipt(int Id);
        [Message(3)] public partial record Peek(int Id);

        [Service, RateLimit("desk")] // [Authorize] cannot stand on an interface (its AttributeUsage), [RateLimit] can
        public partial interface IDesk
        {
            [Authorize("quoting")] ValueTask<Receipt> Quote(Order order);
            ValueTask<Receipt> Look(Peek peek);
        }

        [Handler, Authorize(Roles = "ops")]
        public partial class DeskHandler : IDesk
        {
            [RateLimit("quotes", Weight = 3)] public ValueTask<Receipt> Quote(Order order) => new(new Receipt(order.Id));
            [AllowAnonymous] public ValueTask<Receipt> Look(Peek peek) => new(new Receipt(peek.Id));
        }

        [Handler(ServiceName = "Ledger"), RateLimit("ledger")]
        public partial class LedgerHandler
        {
            [Authorize(Roles = "auditor", AuthenticationSchemes = "ApiKey")] public Receipt Post(Order order) => new(order.Id);
            public Receipt Read(Peek peek) => new(peek.Id);
        }

        [Handler(ServiceName = "Plain")]
        public partial class PlainHandler
        {
            public Receipt Echo(Order order) => new(order.Id);
        }
        """;

    [Fact]
    public void Rules_from_the_interface_the_class_and_the_method_meet_in_the_handlers_table()
    {
        var (output, diagnostics, _) = GeneratorHarness.Run(Source);
        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Errors(output));
        Assembly assembly = GeneratorHarness.EmitAndLoad(output);

        MethodAccess quote = Access(assembly, "Bank.DeskHandler", "Quote");
        Assert.False(quote.AllowAnonymous);
        Assert.Equal([(null, "ops"), ("quoting", null)], quote.Authorize.Select(static a => (a.Policy, a.Roles)).OrderBy(static r => r.Policy ?? ""));
        Assert.Equal(("quotes", 3), (quote.RateLimitPolicy, quote.RateLimitWeight)); // the method's [RateLimit] wins over the interface's
        MethodAccess look = Access(assembly, "Bank.DeskHandler", "Look");
        Assert.True(look.AllowAnonymous);
        Assert.Equal(("desk", 1), (look.RateLimitPolicy, look.RateLimitWeight));

        MethodAccess post = Access(assembly, "Bank.LedgerHandler", "Post");
        IAuthorizeData rule = Assert.Single(post.Authorize);
        Assert.Equal(("auditor", "ApiKey"), (rule.Roles, rule.AuthenticationSchemes));
        Assert.Equal(("ledger", 1), (post.RateLimitPolicy, post.RateLimitWeight));
        MethodAccess read = Access(assembly, "Bank.LedgerHandler", "Read");
        Assert.Empty(read.Authorize);
        Assert.Equal("ledger", read.RateLimitPolicy);

        // A service without any rule carries none, and the interface's own declaration describes only the contract.
        Assert.Null(Describe(assembly, "Bank.PlainHandler").Methods.Single().Access);
        var contract = (ServiceDescriptor)assembly.GetType("Bank.IDesk")!.GetProperty("Descriptor")!.GetValue(null)!;
        Assert.All(contract.Methods, static m => Assert.Null(m.Access));
    }

    private static ServiceDescriptor Describe(Assembly assembly, string handler) =>
        (ServiceDescriptor)typeof(HandlerDispatch).GetMethod(nameof(HandlerDispatch.Describe))!
            .MakeGenericMethod(assembly.GetType(handler)!).Invoke(null, null)!;

    private static MethodAccess Access(Assembly assembly, string handler, string method) =>
        Describe(assembly, handler).Methods.Single(m => m.Name == method).Access!;
}
