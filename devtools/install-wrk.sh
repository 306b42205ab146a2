#!/usr/bin/env bash
# wrk, the second load generator, from Debian's package at a pinned version and SHA-256: the
# benchmark's cross-check must measure with the same binary on every machine.
set -euo pipefail
VERSION=4.1.0-3+b2
SHA256=b0206dc74df85365a248ddac2433c0ee3f210579fc5ed83758e73354bb1bbefb

if [ "$(dpkg-query -W -f='${Version}' wrk 2>/dev/null || true)" = "$VERSION" ]; then
    exit 0
fi
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT
package=$(bash "$(dirname "$0")/download-deb.sh" wrk "$VERSION" "$SHA256" "$workdir")
apt-get install -y -qq "$package"
