#!/usr/bin/env bash
# nginx, the reverse proxy of the proxy/TLS runs and the deploy drill, from Debian's package at a
# pinned version and SHA-256. Only its binary is unpacked, into var/tools/: no service is
# installed or started; the harness runs it from a private prefix and config
# (loadtests/env/proxy.py). It links against libssl3, libpcre2-8 and zlib, which Debian 12 has.
set -euo pipefail
VERSION=1.22.1-9+deb12u12
SHA256=1a1014cd0dcc0b46b5c9369713d5781493d7effc9b4c25c78ac6369cb4bb71b2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET="$ROOT/var/tools/nginx-$VERSION"

if [ -x "$TARGET/usr/sbin/nginx" ]; then
    exit 0
fi
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
package=$(bash "$ROOT/devtools/download-deb.sh" nginx "$VERSION" "$SHA256" "$workdir")
mkdir -p "$TARGET.partial"
dpkg-deb -x "$package" "$TARGET.partial"
"$TARGET.partial/usr/sbin/nginx" -V 2>&1 | grep -q -- --with-http_ssl_module
mv "$TARGET.partial" "$TARGET"
