using System.Net;

namespace Tether.Security;

/// <summary>Allow and deny lists of networks (CIDR), checked on a connection's remote address before anything is read from it.</summary>
internal sealed class AddressRules
{
    private readonly IPNetwork[] _allowed;
    private readonly IPNetwork[] _denied;

    public AddressRules(IEnumerable<IPNetwork> allowed, IEnumerable<IPNetwork> denied)
    {
        _allowed = [.. allowed];
        _denied = [.. denied];
    }

    public int AllowedCount => _allowed.Length;

    public int DeniedCount => _denied.Length;

    public bool IsEmpty => _allowed.Length == 0 && _denied.Length == 0;

    /// <summary>
    /// Whether <paramref name="remote"/> may connect, and if not why. An IPv4 address reached over a dual-stack socket
    /// (<c>::ffff:a.b.c.d</c>) is judged as the IPv4 address. A connection without an IP address (in-memory) is allowed.
    /// </summary>
    public bool Allows(EndPoint? remote, out string? reason)
    {
        reason = null;
        if (IsEmpty || remote is not IPEndPoint { Address: var address })
        {
            return true;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (IPNetwork network in _denied)
        {
            if (network.Contains(address))
            {
                reason = $"{address} is in the denied network {network}";
                return false;
            }
        }

        if (_allowed.Length == 0)
        {
            return true;
        }

        foreach (IPNetwork network in _allowed)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        reason = $"{address} is in none of the {_allowed.Length} allowed networks";
        return false;
    }
}
