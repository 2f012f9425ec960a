#!/usr/bin/env bash
# Builds AO process modules from workspace crates: a thin call of `cargo ao build --metering`
# (the `cargo-ao` binary of cli/, over the aoxide-build library).
#
#   scripts/build-wasm.sh <crate>[:<name>]...
#
# For each crate it writes <target>/ao/<name>.wasm (publish with Module-Format
# wasm32-unknown-emscripten4) and <name>.metering.wasm (for
# wasm32-unknown-emscripten-metering), after cargo's wasm32 build, the stack-pointer reset
# in `handle`, binaryen's -Oz (native, linked into the tool) and the module validator, and
# prints the report. <name> defaults to the crate name without an `example-` or `aoxide-`
# prefix. <target> is $CARGO_TARGET_DIR when set, else the workspace `target/`.
#
# The tool is built in the dev profile, which shares its compiled binaryen with
# `cargo test` (binaryen itself is always compiled optimised: see the root Cargo.toml).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$#" -eq 0 ]; then
    echo "usage: $0 <crate>[:<name>]..." >&2
    exit 2
fi

exec cargo run --quiet -p cargo-ao -- build --metering "$@"
