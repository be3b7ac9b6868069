using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Tether.Conformance.Tests.Support;
using Tether.Transport.InMemory;

namespace Tether.Conformance.Tests;

/// <summary>Filters a method names with <see cref="CallFilterAttribute{TFilter}"/>: where they run, how they are made, and that a method without any runs bare.</summary>
public sealed class MethodFilterTests
{
    [Fact]
    public void Generated_descriptors_list_a_methods_filters_outermost_first_each_once()
    {
        ServiceDescriptor filtered = Describe<FilteredHandler>();
        Assert.Equal(
            [typeof(ServiceScopeFilter), typeof(InterfaceMethodFilter), typeof(ClassScopeFilter), typeof(MethodScopeFilter)],
            Method(filtered, "Everywhere").Filters.Select(static f => f.Type));
        Assert.Equal([typeof(ServiceScopeFilter), typeof(ClassScopeFilter)], Method(filtered, "Shared").Filters.Select(static f => f.Type));

        ServiceDescriptor marked = Describe<MarkedHandler>();
        Assert.Equal([typeof(MethodScopeFilter)], Method(marked, "Marked").Filters.Select(static f => f.Type));
        Assert.Empty(Method(marked, "Bare").Filters);

        // A service interface's own descriptor describes the contract, not a server's pipeline.
        Assert.All(IFiltered.Descriptor.Methods, static m => Assert.Empty(m.Filters));
    }

    [Fact]
    public async Task Filters_run_added_first_then_by_scope_and_return_in_reverse()
    {
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.InMemory(), setup: static s => s
            .AddFilter(new PathFilter("added"))
            .AddHandler(new FilteredHandler()));
        TetherClient connection = await harness.ConnectAsync();
        var client = new IFiltered.Client(connection);
        var trailers = new CallMetadata();

        HeaderEcho everywhere = await client.Everywhere(new HeaderProbe(1), new CallOptions { ResponseTrailers = trailers }).Within();
        Assert.Equal("added>service>interface-method>class>method", everywhere.Seen);
        Assert.Equal("method<class<interface-method<service<added", trailers.GetString("after"));

        HeaderEcho shared = await client.Shared(new HeaderProbe(2)).Within();
        Assert.Equal("added>service>class", shared.Seen);

        // Another handler's methods get the added filter only.
        HeaderEcho plain = await new CallHeadersHandler.Client(connection).Inspect(new HeaderProbe(3)).Within();
        Assert.Equal(3, plain.Id);
    }

    [Fact]
    public async Task A_method_that_names_no_filter_runs_without_one_beside_a_method_that_does()
    {
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.InMemory(), setup: static s =>
        {
            s.FilterServices = new ServiceCollection().AddSingleton(new FilterCounter()).BuildServiceProvider();
            s.AddHandler(new MarkedHandler());
        });
        var client = new MarkedHandler.Client(await harness.ConnectAsync());
        var trailers = new CallMetadata();

        Assert.Equal("method", (await client.Marked(new HeaderProbe(1)).Within()).Seen);
        Assert.Equal("", (await client.Bare(new DeadlineProbe(2), new CallOptions { ResponseTrailers = trailers }).Within()).Seen);
        Assert.Null(trailers.GetString("after"));
    }

    [Fact]
    public async Task A_hosted_server_makes_each_named_filter_once_from_the_container()
    {
        var transport = new InMemoryTransport();
        var endPoint = new InMemoryEndPoint("method-filters-" + Guid.NewGuid().ToString("N"));
        var counter = new FilterCounter();
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(counter);
        builder.Services.AddTetherServer(o =>
        {
            o.Transport = transport;
            o.EndPoint = endPoint;
        }).AddHandler<MarkedHandler>();
        builder.Services.AddTetherClient(o =>
        {
            o.Transport = transport;
            o.EndPoint = endPoint;
        });
        using IHost host = builder.Build();
        await host.StartAsync().Within();
        var client = new MarkedHandler.Client(host.Services.GetRequiredService<TetherClient>());

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(i, (await client.Counted(new RelayRequest(i)).Within()).Id);
        }

        Assert.Equal(1, counter.Made); // made with its dependency from the container, once, when the server started
        Assert.Equal(3, counter.Calls);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task A_server_without_a_container_refuses_to_start_when_a_named_filter_needs_one()
    {
        var transport = TransportUnderTest.InMemory();
        await using var server = new TetherServer(new TetherServerOptions { EndPoint = transport.NewEndPoint(), Transport = transport.Listener });
        server.AddHandler(new MarkedHandler());

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => server.StartAsync()).Within();

        Assert.Contains(typeof(CountingFilter).FullName!, refused.Message, StringComparison.Ordinal);
        Assert.Contains("parameterless constructor", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_clients_push_handler_runs_the_filters_its_methods_name()
    {
        await using Harness harness = await Harness.StartAsync(TransportUnderTest.InMemory());
        var counter = new FilterCounter();
        var pushes = new Probe();
        TetherClient client = await harness.ConnectAsync(setup: c =>
        {
            c.FilterServices = new ServiceCollection().AddSingleton(counter).BuildServiceProvider();
            c.AddHandler(new FilteredPushHandler(pushes));
        });
        await harness.WaitForSessionsAsync(1);
        Assert.True(harness.Server.TryGetSession(client.Contract!.SessionId, out TetherSession? session));

        await harness.Server.SendToAsync(session.Id, new Notice(7, "filtered push")).Within();

        Assert.Equal(7, (await pushes.Notices.NextAsync()).Sequence);
        Assert.Equal(1, counter.Made);
        Assert.Equal(1, counter.Calls); // counted before the handler ran
    }

    private static ServiceDescriptor Describe<THandler>()
        where THandler : class, IMessageHandler<THandler> => THandler.Service;

    private static MethodDescriptor Method(ServiceDescriptor service, string name) => Assert.Single(service.Methods, m => m.Name == name);
}
