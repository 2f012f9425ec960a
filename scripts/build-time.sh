#!/usr/bin/env bash
# Measures `cargo ao build` against cargo's own wasm32 build of examples/counter (the
# README's build-time table): nothing changed, and the crate changed (a string in it edited,
# so the module differs and binaryen's cache cannot answer), the latter both for the inner
# loop's `cargo ao build` (a dev module: no binaryen) and for `cargo ao build --release`
# (binaryen's -Oz, the module to publish). Prints the load average before and after, and
# the median wall time of each over ROUNDS rounds, one after the other. Run it on a machine
# doing nothing else.
#
#   scripts/build-time.sh [ROUNDS]      # default 5
#
# cargo ao runs as the binary `cargo build -p cargo-ao` makes; wasm-opt is whatever
# `cargo ao build --release` finds (printed; `AOXIDE_WASM_OPT=/path/to/wasm-opt` picks one).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-5}"
src=examples/counter/src/lib.rs
backup="$(mktemp)"
cp "$src" "$backup"
trap 'cp "$backup" "$src"; rm -f "$backup"' EXIT

cargo build --quiet -p cargo-ao
ao="${CARGO_TARGET_DIR:-target}/debug/cargo-ao"
cargo_build() { cargo build --quiet --release --target wasm32-unknown-unknown -p example-counter; }
ao_build() { "$ao" build -p example-counter >/dev/null; }
ao_release() { "$ao" build --release -p example-counter >/dev/null; }
# Wall seconds of one run of "$@".
timed() {
    local start end
    start=$(date +%s.%N)
    "$@"
    end=$(date +%s.%N)
    awk -v s="$start" -v e="$end" 'BEGIN {printf "%.3f\n", e - s}'
}
median() { sort -n | awk '{a[NR]=$1} END {printf "%.2f", (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
edit() { sed -i "s/ctx.print(\"counter reset[^\"]*\")/ctx.print(\"counter reset $1\")/" "$src"; }

# Warm both: the crate built, binaryen's output cached.
cargo_build
ao_release
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"

declare -a cargo_same ao_same cargo_changed ao_changed ao_release_changed
for i in $(seq "$rounds"); do
    cargo_same+=("$(timed cargo_build)")
    ao_same+=("$(timed ao_build)")
    edit "c$i"
    cargo_changed+=("$(timed cargo_build)")
    edit "a$i"
    ao_changed+=("$(timed ao_build)")
    edit "r$i"
    ao_release_changed+=("$(timed ao_release)")
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

# Which binaryen a changed module went through with --release.
edit "w"
"$ao" build --release -p example-counter 2>/dev/null | awk '/^  build / && !n {print; n = 1}'

row() {
    local c a
    c=$(printf '%s\n' "${@:2:$rounds}" | median)
    a=$(printf '%s\n' "${@:$((rounds + 2))}" | median)
    printf '| %s | %s s | %s s | %s |\n' "$1" "$c" "$a" "$(awk -v a="$a" -v c="$c" 'BEGIN {printf "%.2fx", a / c}')"
}
echo "| example-counter, median of $rounds | cargo alone | cargo ao | ratio |"
echo "| --- | --- | --- | --- |"
row "nothing changed, \`cargo ao build\`" "${cargo_same[@]}" "${ao_same[@]}"
row "the crate changed, \`cargo ao build\` (dev module)" "${cargo_changed[@]}" "${ao_changed[@]}"
row "the crate changed, \`cargo ao build --release\` (-Oz)" "${cargo_changed[@]}" "${ao_release_changed[@]}"
