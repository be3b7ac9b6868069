using Tether.Analyzers.Security;

namespace Tether.Analyzers.Tests.Rules;

/// <summary>TETH4001–4003: access attributes that do not do what they say, with valid code for each.</summary>
public sealed class SecurityRuleTests
{
    private const string Preamble = """
        using Microsoft.AspNetCore.Authorization;
        using Tether.Security;

        [Message(1)] public partial record Order(int Id);
        [Message(2)] public partial record Receipt(int Id);

        """;

    [Fact]
    public Task TETH4001_AllowAnonymous_beside_or_above_Authorize() =>
        Verify.NoDiagnosticsAsync<AccessAttributeAnalyzer>(Preamble + """
            [Handler] public partial class Orders
            {
                [{|TETH4001:Authorize(Roles = "admin")|}, AllowAnonymous]
                public Receipt Place(Order order) => new(order.Id);
            }

            [Handler, AllowAnonymous] public partial class Open
            {
                [{|TETH4001:Authorize|}]
                public Receipt Place(Order order) => new(order.Id);
            }
            """);

    [Fact]
    public Task TETH4002_RateLimit_without_a_policy_or_with_a_weight_below_one() =>
        Verify.NoDiagnosticsAsync<AccessAttributeAnalyzer>(Preamble + """
            [Handler, {|TETH4002:RateLimit("")|}] public partial class Orders
            {
                [{|TETH4002:RateLimit("orders", Weight = 0)|}]
                public Receipt Place(Order order) => new(order.Id);
            }
            """);

    [Fact]
    public Task TETH4003_access_attributes_on_methods_that_are_not_dispatched() =>
        Verify.NoDiagnosticsAsync<AccessAttributeAnalyzer>(Preamble + """
            [Handler] public partial class Orders
            {
                public Receipt Place(Order order) => new(Check(order.Id));

                [{|TETH4003:Authorize|}]
                public int Check(int id) => id;

                [HandlerIgnore, {|TETH4003:RateLimit("x")|}]
                public Receipt Replay(Order order) => new(order.Id);

                [{|TETH4003:CallFilter<Audit>|}]
                public int Total(int id) => id;
            }

            public sealed class Audit : ICallFilter
            {
                public ValueTask InvokeAsync(CallContext context, CallFilterNext continuation) => continuation(context);
            }
            """);

    [Fact]
    public Task Valid_access_attributes_report_nothing() =>
        Verify.NoDiagnosticsAsync<AccessAttributeAnalyzer>(Preamble + """
            [Service] public partial interface IDesk
            {
                [Authorize(Policy = "desk")] ValueTask<Receipt> Quote(Order order);
            }

            [Handler, Authorize] public partial class Desk : IDesk
            {
                [AllowAnonymous, RateLimit("quotes", Weight = 3)]
                public ValueTask<Receipt> Quote(Order order) => new(new Receipt(order.Id));
            }

            [Handler, Authorize(Roles = "ops"), RateLimit("orders"), CallFilter<Audit>] public partial class Orders
            {
                [Authorize(Policy = "big-orders"), CallFilter<Audit>]
                public Receipt Place(Order order) => new(order.Id);

                [AllowAnonymous]
                public Receipt Peek(Order order) => new(order.Id);
            }

            public sealed class Audit : ICallFilter
            {
                public ValueTask InvokeAsync(CallContext context, CallFilterNext continuation) => continuation(context);
            }

            // Not a Tether type: ASP.NET Core's attributes mean something else there.
            [AllowAnonymous] public sealed class Controller
            {
                [Authorize] public int Get() => 1;
            }
            """);
}
