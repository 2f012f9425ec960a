// A do-nothing AO module, encoded byte by byte here, used to measure the
// ao-loader's own per-message cost ("loader floor") at a given memory size:
// JSON.stringify of msg and env, copying both strings onto the module stack,
// reading and JSON.parse-ing the result, and (in the default mode) copying the
// whole memory in and out. No module can be faster than this under the loader.
//
// It honours the export contract of docs/module-abi.md and always
// answers with the same empty result.

const uleb = (n) => { const out = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n); return out; };
const sleb = (n) => {
  const out = [];
  for (;;) {
    const b = n & 0x7f; n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && (b & 0x40))) { out.push(b); return out; }
    out.push(b | 0x80);
  }
};
const str = (s) => { const b = [...Buffer.from(s, 'utf8')]; return [...uleb(b.length), ...b]; };
const vec = (items) => [...uleb(items.length), ...items.flat()];
const section = (id, body) => [id, ...uleb(body.length), ...body];

const I32 = 0x7f;
const RESULT_AT = 1024;
const RESULT = '{"ok":true,"response":{"Output":{"data":""},"Messages":[],"Spawns":[],"Assignments":[]}}\0';

export function floorModule(memoryBytes = 4 * 1024 * 1024) {
  const pages = Math.max(17, Math.ceil(memoryBytes / 65536));
  const stackTop = 16 * 65536; // the stack grows down from 1 MiB
  const types = [
    [0x60, 0, 0], // 0: () -> ()
    [0x60, 0, 1, I32], // 1: () -> i32
    [0x60, 1, I32, 1, I32], // 2: (i32) -> i32
    [0x60, 1, I32, 0], // 3: (i32) -> ()
    [0x60, 2, I32, I32, 1, I32], // 4: (i32, i32) -> i32
  ];
  // [name, type, body (without locals and end)]
  const funcs = [
    ['__wasm_call_ctors', 0, []],
    ['emscripten_stack_init', 0, []],
    ['emscripten_stack_get_end', 1, [0x41, ...sleb(16)]],
    ['emscripten_stack_get_current', 1, [0x23, 0]],
    // sp = (sp - n) & -16; return sp
    ['_emscripten_stack_alloc', 2, [0x23, 0, 0x20, 0, 0x6b, 0x41, ...sleb(-16), 0x71, 0x24, 0, 0x23, 0]],
    ['_emscripten_stack_restore', 3, [0x20, 0, 0x24, 0]],
    ['handle', 4, [0x41, ...sleb(RESULT_AT)]],
    ['malloc', 2, [0x41, ...sleb(2 * 65536)]],
    ['free', 3, []],
  ];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(3, vec(funcs.map(([, t]) => uleb(t)))),
    ...section(4, vec([[0x70, 0x00, ...uleb(1)]])),
    ...section(5, vec([[0x00, ...uleb(pages)]])),
    ...section(6, vec([[I32, 0x01, 0x41, ...sleb(stackTop), 0x0b]])),
    ...section(7, vec([
      [...str('memory'), 0x02, 0],
      [...str('__indirect_function_table'), 0x01, 0],
      ...funcs.map(([name], i) => [...str(name), 0x00, ...uleb(i)]),
    ])),
    ...section(10, vec(funcs.map(([, , body]) => {
      const b = [0x00, ...body, 0x0b];
      return [...uleb(b.length), ...b];
    }))),
    ...section(11, vec([[0x00, 0x41, ...sleb(RESULT_AT), 0x0b, ...str(RESULT)]])),
  ];
  return Buffer.from(bytes);
}
