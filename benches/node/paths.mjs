// Where the bench lives: this directory (benches/node) and the repository root,
// from which the default module paths and the reported paths are resolved.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(HERE, '..', '..');
