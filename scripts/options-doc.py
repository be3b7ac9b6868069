#!/usr/bin/env python3
"""Writes the option tables of docs/options.md from the options' own XML docs (the <summary>, the
"Defaults to ..." sentence of <remarks>, and [Range]/[Required]), so the page cannot drift from the code:

    python3 scripts/options-doc.py > /tmp/tables.md   # then replace the tables in docs/options.md
"""
import re, sys, os
files = """src/Runtime/TetherConnectionOptions.cs
src/Runtime/Server/TetherServerOptions.cs
src/Runtime/Client/TetherClientOptions.cs
src/Runtime/Sessions/Negotiation/NegotiationPolicy.cs
src/Runtime/Sessions/Reconnect/ReconnectOptions.cs
src/Runtime/Calls/RetryPolicy.cs
src/Runtime/Server/IdempotencyOptions.cs
src/Runtime/Compression/CompressionOptions.cs
src/Runtime/Client/Pool/TetherClientPoolOptions.cs
src/Runtime/Transport/TransportConnectionOptions.cs
src/Runtime/Transport/Tcp/TcpTransportOptions.cs
src/Runtime/Transport/Tls/TetherTlsOptions.cs
src/Runtime/Pooling/TieredMemoryPoolOptions.cs
src/Runtime/Security/TetherSecurityOptions.cs
src/Runtime/Security/TetherRateLimitOptions.cs
src/Runtime/Storage/DurableStoreOptions.cs
src/ApiKeys/ApiKeyOptions.cs
src/Quic/QuicTransportOptions.cs
src/Redis/TetherRedisOptions.cs""".split()
def clean(t):
    t = re.sub(r'<see cref="(?:[\w.]+\.)?([\w]+)(?:\{[^"]*\})?"\s*/>', r'`\1`', t)
    t = re.sub(r'<see langword="(\w+)"\s*/>', r'`\1`', t)
    t = re.sub(r'<paramref name="(\w+)"\s*/>', r'`\1`', t)
    t = re.sub(r'<c>(.*?)</c>', r'`\1`', t)
    t = re.sub(r'<[^>]+>', '', t)
    return re.sub(r'\s+', ' ', t).strip().replace('|', '\\|')
out = []
for f in files:
    src = open(f).read()
    m = re.search(r'class (\w+)', src)
    out.append(f"\n### `{m.group(1)}` (`{f}`)\n\n| option | default | range (validated) | what it does |\n|---|---|---|---|")
    for doc, attrs, decl in re.findall(r'((?:[ \t]*///[^\n]*\n)+)((?:[ \t]*\[[^\n]*\]\s*\n)*)[ \t]*public (?!sealed|abstract|static|class|override|enum)([^\n{;=]*?\{ get;[^\n]*)', src):
        span = re.search(r'\[Range\(typeof\(TimeSpan\),\s*"([^"]+)",\s*"([^"]+)"\)\]', attrs)
        rng = re.search(r'\[Range\(([^,]+),\s*([^)]+)\)\]', attrs)
        rng = f"{span.group(1)} – {span.group(2)}" if span else f"{rng.group(1).strip()} – {rng.group(2).strip()}" if rng else ''
        if 'Required' in attrs: rng = (rng + ' ' if rng else '') + 'required'

        name = re.search(r'(\w+)\s*\{', decl).group(1)
        lines = ' '.join(l.strip()[3:] for l in doc.strip().split('\n'))
        summary = re.search(r'<summary>(.*?)</summary>', lines, re.S)
        remarks = re.search(r'<remarks>(.*?)</remarks>', lines, re.S)
        summ = clean(summary.group(1)) if summary else ''
        rem = clean(remarks.group(1)) if remarks else ''
        dm = re.search(r'Defaults? to (.*?)(?:\.(?:\s|$)|$)', rem)
        default = dm.group(1) if dm else ('—' )
        rest = rem.replace(dm.group(0), '').strip() if dm else rem
        out.append(f"| `{name}` | {default} | {rng} | {summ}{(' ' + rest) if rest else ''} |")
print('\n'.join(out))
