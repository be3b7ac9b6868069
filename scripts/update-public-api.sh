#!/usr/bin/env bash
# After an intended change to the public surface: rewrites PublicAPI.Unshipped.txt of Tether.Runtime, Tether.Quic, Tether.Diagnostics, Tether.ApiKeys and Tether.Redis
# from what the PublicApiAnalyzers report (RS0016: public but not declared; RS0017: declared but gone). Review the diff:
# it is the API change.
set -euo pipefail
cd "$(dirname "$0")/.."
for project in src/Runtime src/Quic src/Diagnostics src/ApiKeys src/Redis; do
  file="$project/PublicAPI.Unshipped.txt"
  log=$(mktemp)
  dotnet build "$project" -c Release -nologo >"$log" 2>&1 || true
  python3 - "$file" "$log" <<'PY'
import re, sys
path, log = sys.argv[1], open(sys.argv[2]).read()
added = set(re.findall(r"error RS0016: Symbol '(.*?)' is not part of the declared public API", log))
gone = set(re.findall(r"error RS0017: Symbol '(.*?)' is part of the declared API", log))
lines = [l for l in open(path).read().splitlines()[1:] if l and l not in gone]
open(path, 'w').write('#nullable enable\n' + '\n'.join(sorted(set(lines) | added)) + '\n')
print(f"{path}: +{len(added)} -{len(gone)}")
PY
  rm -f "$log"
done
