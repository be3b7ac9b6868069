namespace Tether.Conformance.Tests.Support;

/// <summary>A service whose interface and one of its methods name call filters (<see cref="CallFilterAttribute{TFilter}"/>).</summary>
[Service(Name = "Filtered")]
[CallFilter<ServiceScopeFilter>]
public partial interface IFiltered
{
    /// <summary>Filtered at every scope: interface, interface method, handler class and handler method.</summary>
    [CallFilter<InterfaceMethodFilter>]
    ValueTask<HeaderEcho> Everywhere(HeaderProbe request, CallContext context);

    /// <summary>Filtered by the interface's and the class's filters only.</summary>
    ValueTask<HeaderEcho> Shared(HeaderProbe request, CallContext context);
}

/// <summary>Answers with the path the filters wrote into the request metadata (<see cref="PathFilter"/>).</summary>
[Handler]
[CallFilter<ClassScopeFilter>]
public sealed partial class FilteredHandler : IFiltered
{
    // The class's filter named again on the method runs once, at its first (outer) place.
    [CallFilter<MethodScopeFilter>]
    [CallFilter<ClassScopeFilter>]
    public ValueTask<HeaderEcho> Everywhere(HeaderProbe request, CallContext context) => Answer(request, context);

    public ValueTask<HeaderEcho> Shared(HeaderProbe request, CallContext context) => Answer(request, context);

    internal static ValueTask<HeaderEcho> Answer(HeaderProbe request, CallContext context) =>
        new(new HeaderEcho(request.Id, context.RequestMetadata.GetString(PathFilter.Key) ?? "", -1));
}

/// <summary>A handler class (no service interface) with one method that names a filter, one that names none, and one that needs a service from the container.</summary>
[Handler(ServiceName = "Marked")]
public sealed partial class MarkedHandler
{
    [CallFilter<MethodScopeFilter>]
    public ValueTask<HeaderEcho> Marked(HeaderProbe request, CallContext context) => FilteredHandler.Answer(request, context);

    public ValueTask<HeaderEcho> Bare(DeadlineProbe request, CallContext context) => FilteredHandler.Answer(new HeaderProbe(request.Id), context);

    [CallFilter<CountingFilter>]
    public ValueTask<HeaderEcho> Counted(RelayRequest request, CallContext context) => FilteredHandler.Answer(new HeaderProbe(request.Id), context);
}

/// <summary>
/// Appends its name to the request metadata's "path" before the rest of the pipeline, so the handler sees the order the
/// filters ran in, and adds a trailer after it, so the caller sees they returned in the reverse order.
/// </summary>
public class PathFilter(string name) : ICallFilter
{
    public const string Key = "path";

    public async ValueTask InvokeAsync(CallContext context, CallFilterNext continuation)
    {
        CallMetadata metadata = context.RequestMetadata.Copy();
        string? path = metadata.GetString(Key);
        metadata.Set(Key, path is null ? name : path + ">" + name);
        context.RequestMetadata = metadata;
        await continuation(context);
        string? after = context.ResponseTrailers.GetString("after");
        context.ResponseTrailers.Set("after", after is null ? name : after + "<" + name);
    }
}

public sealed class ServiceScopeFilter() : PathFilter("service");

public sealed class InterfaceMethodFilter() : PathFilter("interface-method");

public sealed class ClassScopeFilter() : PathFilter("class");

public sealed class MethodScopeFilter() : PathFilter("method");

/// <summary>What the container gives <see cref="CountingFilter"/>: it counts the filters made and the calls they saw.</summary>
public sealed class FilterCounter
{
    public int Made;
    public int Calls;
}

/// <summary>A filter with a constructor dependency: only a server built with dependency injection can make it.</summary>
public sealed class CountingFilter : ICallFilter
{
    private readonly FilterCounter _counter;

    public CountingFilter(FilterCounter counter)
    {
        _counter = counter;
        Interlocked.Increment(ref counter.Made);
    }

    public ValueTask InvokeAsync(CallContext context, CallFilterNext continuation)
    {
        Interlocked.Increment(ref _counter.Calls);
        return continuation(context);
    }
}

/// <summary>A client's push handler whose method names a filter that needs the container.</summary>
[Handler(ServiceName = "FilteredPushes")]
public sealed partial class FilteredPushHandler(Probe probe)
{
    [CallFilter<CountingFilter>]
    public void OnNotice(Notice notice) => probe.Notices.Writer.TryWrite(notice);
}
