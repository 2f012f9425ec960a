#!/usr/bin/env bash
# Builds AO process modules from workspace crates.
#
#   scripts/build-wasm.sh <crate>[:<name>]...
#
# For each crate: `cargo build --release --target wasm32-unknown-unknown -p <crate>`, then
# patches `handle` to reset the shadow-stack pointer on entry
# (tests/conformance/lib/reset-stack.mjs), and writes
#   <target>/ao/<name>.wasm           the module, optimised with binaryen `wasm-opt -Oz`
#                                     (publish this one with Module-Format
#                                     wasm32-unknown-emscripten4)
#   <target>/ao/<name>.metering.wasm  the same with bulk-memory and non-trapping
#                                     float-to-int lowered to MVP opcodes, for
#                                     Module-Format wasm32-unknown-emscripten-metering
# and checks both export exactly the AO module ABI (tests/conformance/lib/check-module.mjs).
#
# With AOXIDE_MEMORY_BUDGET=<bytes> (a multiple of 65536) set, it builds the HyperBEAM
# profile instead: linked with that initial memory, never growing past it, written as
# <name>.hyperbeam.wasm (see docs/limits.md).
#
# <name> defaults to the crate name without an `example-` or `aoxide-` prefix
# (example-ping -> ping, aoxide-token -> token). <target> is $CARGO_TARGET_DIR when set,
# else the workspace `target/`.
#
# wasm-opt comes from the npm package `binaryen` pinned in tests/conformance/package.json
# (Debian's binaryen is too old for the lowering passes); `npm ci` runs there when it is
# missing. The Rust target is added with rustup when missing (the toolchain itself is pinned
# in rust-toolchain.toml and never updated here).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if [ "$#" -eq 0 ]; then
    echo "usage: $0 <crate>[:<name>]..." >&2
    exit 2
fi

target_dir="${CARGO_TARGET_DIR:-$root/target}"
case "$target_dir" in
    /*) ;;
    *) target_dir="$root/$target_dir" ;;
esac
out_dir="$target_dir/ao"
conformance="$root/tests/conformance"
wasm_opt="$conformance/node_modules/binaryen/bin/wasm-opt"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
fi

if [ ! -x "$wasm_opt" ]; then
    echo "==> npm ci in tests/conformance (binaryen's wasm-opt is missing)" >&2
    (cd "$conformance" && npm ci --no-audit --no-fund --loglevel=error)
fi

mkdir -p "$out_dir"

for spec in "$@"; do
    crate="${spec%%:*}"
    if [ "$spec" = "$crate" ]; then
        name="${crate#example-}"
        name="${name#aoxide-}"
    else
        name="${spec#*:}"
    fi
    artefact="$target_dir/wasm32-unknown-unknown/release/${crate//-/_}.wasm"

    if [ -n "${AOXIDE_MEMORY_BUDGET:-}" ]; then
        # The HyperBEAM profile (docs/limits.md): the initial memory is the whole budget and
        # memory never grows past it. The runtime reads the same variable at build time.
        name="$name.hyperbeam"
        echo "==> $crate -> $out_dir/$name.wasm (memory budget $AOXIDE_MEMORY_BUDGET bytes)" >&2
        cargo build --release --target wasm32-unknown-unknown -p "$crate"
    else
        echo "==> $crate -> $out_dir/$name.wasm" >&2
        cargo build --release --target wasm32-unknown-unknown -p "$crate"
    fi
    if [ ! -f "$artefact" ]; then
        echo "error: $artefact was not produced (is $crate a cdylib?)" >&2
        exit 1
    fi

    # `handle` resets the shadow-stack pointer on entry, so calls that trapped (panics) do
    # not leak stack in hosts that keep the instance (see the script for the measurement).
    linked="$out_dir/$name.linked.wasm"
    node "$conformance/lib/reset-stack.mjs" "$artefact" "$linked"
    if [ -n "${AOXIDE_MEMORY_BUDGET:-}" ]; then
        node "$conformance/lib/set-initial-memory.mjs" "$linked" "$linked" "$AOXIDE_MEMORY_BUDGET"
    fi

    # The optimised module. wasm-opt reads the target-features section, so the features
    # rustc enabled (bulk-memory, sign-ext, ...) stay enabled.
    "$wasm_opt" "$linked" -Oz -o "$out_dir/$name.wasm"

    # The metering variant: ao-loader's metering rewriter parses the binary with a decoder
    # that knows no bulk-memory (memory.copy/fill) or non-trapping float-to-int opcodes.
    "$wasm_opt" "$linked" -Oz \
        --llvm-memory-copy-fill-lowering \
        --llvm-nontrapping-fptoint-lowering \
        -o "$out_dir/$name.metering.wasm"
    rm -f "$linked"

    node "$conformance/lib/check-module.mjs" "$out_dir/$name.wasm" "$out_dir/$name.metering.wasm"
    ls -l "$artefact" "$out_dir/$name.wasm" "$out_dir/$name.metering.wasm" >&2
done
