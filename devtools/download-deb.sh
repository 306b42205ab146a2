#!/usr/bin/env bash
# Download Debian package NAME at VERSION into DIR and check its SHA-256; print the file's path.
# The binaries the harness runs (wrk, nginx) come only through here: pinned, and verified.
set -euo pipefail
name=$1 version=$2 sha256=$3 dir=$4
cd "$dir"
apt-get download "$name=$version" >/dev/null 2>&1 || { apt-get update -qq && apt-get download "$name=$version" >/dev/null; }
package=$(ls "${name}"_*.deb)
echo "$sha256  $package" | sha256sum -c - >&2
echo "$dir/$package"
