// Shared helpers for the conformance tests; import from here.
export * from "./modules.mjs"
export * from "./messages.mjs"
export * from "./loader.mjs"
export * from "./hyperbeam.mjs"
export { checkModule, ALLOWED_IMPORTS, REQUIRED_EXPORTS, TOLERATED_EXPORTS } from "./check-module.mjs"
export * from "./ping.mjs"
