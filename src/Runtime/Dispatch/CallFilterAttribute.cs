using System.Diagnostics.CodeAnalysis;

namespace Tether;

/// <summary>
/// Runs the call filter <typeparamref name="TFilter"/> around the calls of one method, or of every method of a handler
/// class or service interface. The filters a server adds with <c>AddFilter</c> run outermost; then these, from the
/// service interface, the interface's method, the handler class and the handler's method, in that order, each scope's
/// in the order written. A filter named twice for one method runs once, at its first place.
/// </summary>
/// <remarks>
/// The server makes one <typeparamref name="TFilter"/> when it starts and shares it among the methods and sessions that
/// name it: from its container when it was built with dependency injection (the registered service, or one made with
/// constructor injection), otherwise with its public parameterless constructor. A method no filter applies to runs with
/// no filter pipeline at all.
/// </remarks>
/// <typeparam name="TFilter">The filter.</typeparam>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Interface | AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class CallFilterAttribute<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TFilter> : Attribute
    where TFilter : class, ICallFilter;
