// Shared helpers for the conformance tests; import from here.
export * from "./modules.mjs"
export * from "./messages.mjs"
export * from "./loader.mjs"
export * from "./hyperbeam.mjs"
export * from "./ping.mjs"
export * from "./sequences.mjs"
