#!/usr/bin/env bash
# Assembles target/pyro (and target/pyro-VERSION.tar.gz) from the jars Maven copied:
#   runtime/  jlink image of the JDK modules pyro needs (no application modules: the MCP SDK's
#             jars are automatic modules, which jlink refuses, so every application jar stays on
#             the module path instead of being linked)
#   modules/  application and library jars (the launcher's module path)
#   guest/    the guest agent's runtime: jre/ (java.base + CDS) and lib/ (its jars); env builds
#             copy this into the guest image
#   bin/pyro  the launcher, using an AOT cache trained on CLI start-up
set -euo pipefail
target=$1
version=$2
: "${JAVA_HOME:?JAVA_HOME must point at JDK 25}"
out="$target/pyro"
t0=$(date +%s)
rm -rf "$out"
mkdir -p "$out/bin" "$out/guest"
cp -r "$target/modules" "$out/modules"

"$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,java.xml,java.sql,java.naming,java.net.http,jdk.httpserver,jdk.unsupported,jdk.crypto.ec \
  --strip-debug --no-header-files --no-man-pages --compress=zip-6 --generate-cds-archive --output "$out/runtime"
# (jlink's CDS step warns about java.logging classes a java.base-only image cannot have: harmless)
"$JAVA_HOME/bin/jlink" --add-modules java.base --strip-debug --no-header-files --no-man-pages \
  --compress=zip-6 --generate-cds-archive --output "$out/guest/jre" >"$target/guest-jlink.log" 2>&1 \
  || { cat "$target/guest-jlink.log" >&2; exit 1; }
rm -f "$out/guest/jre/lib/server/classes_nocoops.jsa"
cp -r "$target/guest-modules" "$out/guest/lib"

cat > "$out/bin/pyro" <<'LAUNCHER'
#!/bin/sh
# pyro launcher: the bundled runtime, pyro's modules, and an AOT cache for fast start-up.
self=$(readlink -f "$0")
home=$(cd "$(dirname "$self")/.." && pwd)
aot=""
if [ -f "$home/runtime/pyro.aot" ] && [ "$(cat "$home/runtime/pyro.aot.home" 2>/dev/null)" = "$home" ]; then
  aot="-XX:AOTCache=$home/runtime/pyro.aot"
fi
modules=""
if { [ "${1:-}" = mcp ] && [ "${2:-}" = serve ]; } || [ "${1:-}" = serve ]; then
  # the MCP and HTTP servers and their libraries join the boot layer only for these commands; every other
  # command starts without them (and with the AOT cache, which was trained without them)
  modules="--add-modules ALL-MODULE-PATH"
  aot=""
fi
exec "$home/runtime/bin/java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xss1m \
  -Xlog:disable -Xlog:all=warning:stderr $aot $modules \
  -Dpyro.home="$home" -p "$home/modules" -m pyro.cli/pyro.cli.Main "$@"
LAUNCHER
chmod 0755 "$out/bin/pyro"

# AOT cache (JDK 25, JEP 514/515) trained on the commands agents call most; tied to this folder.
( cd "$target" && "$out/runtime/bin/java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xss1m \
    -XX:AOTCacheOutput="$out/runtime/pyro.aot" -Xlog:disable -Xlog:all=error:stderr \
    -Dpyro.home="$out" -p "$out/modules" -m pyro.cli/pyro.cli.Main --help >/dev/null 2>&1 \
  && echo "$out" > "$out/runtime/pyro.aot.home" ) || echo "warning: AOT cache not created; pyro still works, starts slower" >&2

tar -C "$target" -czf "$target/pyro-$version.tar.gz" pyro
echo "pyro distribution in $out ($(du -sh "$out" | cut -f1), $(( $(date +%s) - t0 )) s)"
