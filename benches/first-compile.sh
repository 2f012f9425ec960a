#!/usr/bin/env bash
# What V8 compiles for a module's first messages (spawn and first Balance), as instructions
# of node's main thread in V8's lazy compile of wasm functions, counted by callgrind
# (valgrind): repeatable to about 0.1% where timing is not (benches/node/first-compile.mjs).
#
#   benches/first-compile.sh MODULE.wasm...      # e.g. target/ao/lua-token.wasm
#
# Prints, per module: the lazy-compile instructions of the spawn and first Balance, all
# main-thread instructions of those two steps (the first minus a run that stops after
# instantiating; JavaScript and wasm execution included, noisier: a collection may land in
# either run), and the module's bytes. Needs valgrind and benches/node's packages
# (`benches/run.sh` installs them); about 20 s per module.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
if [ "$#" -eq 0 ]; then
    echo "usage: $0 MODULE.wasm..." >&2
    exit 2
fi
command -v valgrind >/dev/null || { echo "first-compile: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
[ -d benches/node/node_modules/@permaweb/ao-loader ] || (cd benches/node && npm ci --no-audit --no-fund --loglevel=error)
FLAGS=(--single-threaded --wasm-tiering-budget=2000000000)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
count() { # module step -> total instructions; leaves the callgrind file in $scratch/out
    valgrind --tool=callgrind --callgrind-out-file="$scratch/out" node "${FLAGS[@]}" \
        benches/node/first-compile.mjs "$1" "$2" > "$scratch/log" 2>&1 || { cat "$scratch/log" >&2; exit 1; }
    grep -oE "refs: +[0-9,]+" "$scratch/log" | tr -dc 0-9
}
for m in "$@"; do
    path=$(cd "$(dirname "$m")" && pwd)/$(basename "$m")
    before=$(count "$path" instantiate)
    after=$(count "$path" balance)
    lazy=$(callgrind_annotate --inclusive=yes "$scratch/out" 2>/dev/null \
        | awk '/Runtime_WasmCompileLazy/ && !n++ { gsub(",", "", $1); print $1 }')
    printf '%s: lazy compile %s instructions; spawn + Balance %s; %s bytes\n' \
        "$m" "${lazy:-0}" "$((after - before))" "$(stat -c %s "$path")"
done
