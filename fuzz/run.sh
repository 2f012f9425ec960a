#!/usr/bin/env bash
# Runs the cargo-fuzz targets of aoxide (see fuzz/README.md).
#
#   fuzz/run.sh [--seconds N] [--ci] [target...]
#
#   --seconds N   fuzz each target for N seconds (default 60)
#   --ci          each target for 20 s on the committed corpus only: new inputs are not
#                 written back (CI keeps the tree clean); a crash fails the script
#   target...     some of the targets (default: all of `cargo fuzz list`)
#
# Needs a nightly toolchain (any; rust-src is not needed) and cargo-fuzz, which the
# script installs with `cargo install cargo-fuzz` when it is missing. The toolchain is
# $AOXIDE_FUZZ_TOOLCHAIN, else the first nightly `rustup toolchain list` shows.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

seconds=60
ci=false
targets=()
while [ "$#" -gt 0 ]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --ci) ci=true; seconds=20; shift ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) targets+=("$1"); shift ;;
    esac
done

toolchain="${AOXIDE_FUZZ_TOOLCHAIN:-$(rustup toolchain list | awk '/^nightly/ {print $1; exit}')}"
if [ -z "$toolchain" ]; then
    echo "error: no nightly toolchain (rustup toolchain install nightly --profile minimal)" >&2
    exit 1
fi
if ! cargo "+$toolchain" fuzz --version >/dev/null 2>&1; then
    echo "==> cargo install cargo-fuzz" >&2
    cargo "+$toolchain" install cargo-fuzz --locked
fi
if [ "${#targets[@]}" -eq 0 ]; then
    mapfile -t targets < <(cargo "+$toolchain" fuzz list)
fi

# The wasm_vs_native targets run built modules: build them (or check they are up to
# date) first, with the workspace's toolchain, outside the fuzzer's flags.
modules=()
for target in "${targets[@]}"; do
    case "$target" in
        wasm_vs_native) modules+=(aoxide-token) ;;
        wasm_vs_native_kv) modules+=(example-kv-store) ;;
    esac
done
if [ "${#modules[@]}" -gt 0 ]; then
    echo "==> scripts/build-wasm.sh ${modules[*]} (for the wasm_vs_native targets)" >&2
    (cd .. && scripts/build-wasm.sh "${modules[@]}" >/dev/null)
fi

for target in "${targets[@]}"; do
    corpus="corpus/$target"
    mkdir -p "$corpus"
    # wasmi's interpreter (the wasm_vs_native targets) dispatches by tail calls, which
    # overflow the stack once the address sanitizer or debug assertions are on: those
    # targets are built without them (-O, no sanitizer); they compare results, which needs
    # neither.
    build=()
    case "$target" in
        wasm_vs_native*) build=(-O -s none) ;;
    esac
    # -timeout: an input that runs for a minute is a crash (a loop nothing bounds), not a stall.
    args=(-max_total_time="$seconds" -dict=dict/aoxide.dict -max_len=65536 -rss_limit_mb=4096 -timeout=60)
    if $ci; then
        # A scratch directory first: libFuzzer writes new inputs to the first corpus
        # directory, and the committed one stays as it is.
        scratch="$(mktemp -d)"
        trap 'rm -rf "$scratch"' EXIT
        echo "==> $target: ${seconds}s on the committed corpus" >&2
        cargo "+$toolchain" fuzz run "${build[@]}" "$target" "$scratch" "$corpus" -- "${args[@]}"
        rm -rf "$scratch"
    else
        echo "==> $target: ${seconds}s" >&2
        cargo "+$toolchain" fuzz run "${build[@]}" "$target" "$corpus" -- "${args[@]}"
    fi
done
