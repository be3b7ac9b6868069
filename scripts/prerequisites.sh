#!/usr/bin/env bash
# Installs what Tether needs on a fresh Debian 12 machine. Idempotent: re-running is a no-op.
# The .NET SDK itself is expected on PATH (the machine image provides it); this script checks it.
set -euo pipefail

need_sdk_major=10
if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET ${need_sdk_major} SDK is required (dotnet not found on PATH)." >&2
  echo "       Install it from your distribution or https://dot.net, then re-run." >&2
  exit 1
fi

sdk_major=$(dotnet --version | cut -d. -f1)
if [ "${sdk_major}" -lt "${need_sdk_major}" ]; then
  echo "error: .NET SDK ${need_sdk_major}+ required, found $(dotnet --version)." >&2
  exit 1
fi

# Debian packages named as arguments (ngtcp2 and GnuTLS for QUIC, unzip, ...) are installed with apt-get,
# only when missing.
missing=()
for pkg in "$@"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}"
fi

echo "prerequisites: .NET SDK $(dotnet --version) ok"
