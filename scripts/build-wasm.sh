#!/usr/bin/env bash
# Builds AO process modules from workspace crates: a thin call of
# `cargo ao build --release --metering`
# (the `cargo-ao` binary of cli/, over the aoxide-build library).
#
#   scripts/build-wasm.sh <crate>[:<name>]...
#
# For each crate it writes <target>/ao/<name>.wasm (publish with Module-Format
# wasm32-unknown-emscripten4) and <name>.metering.wasm (for
# wasm32-unknown-emscripten-metering), after cargo's wasm32 build, the stack-pointer reset
# in `handle`, binaryen's -Oz (a native wasm-opt on PATH such as Debian's `binaryen`, else
# the npm package pinned in tests/conformance; see the README) and the module validator, and
# prints the report. <name> defaults to the crate name without an `example-` or `aoxide-`
# prefix. <target> is $CARGO_TARGET_DIR when set, else the workspace `target/`.
#
# With AOXIDE_MEMORY_BUDGET=<bytes> (a multiple of 65536) set, it builds the HyperBEAM
# profile instead (`cargo ao build --release --hyperbeam --initial-memory <bytes>`): linked with that
# initial memory, never growing past it, written as <name>.hyperbeam.wasm (docs/limits.md).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$#" -eq 0 ]; then
    echo "usage: $0 <crate>[:<name>]..." >&2
    exit 2
fi

if [ -n "${AOXIDE_MEMORY_BUDGET:-}" ]; then
    exec cargo run --quiet -p cargo-ao -- build --release --hyperbeam --initial-memory "$AOXIDE_MEMORY_BUDGET" "$@"
fi
exec cargo run --quiet -p cargo-ao -- build --release --metering "$@"
