// The one @permaweb/ao-loader the bench drives every module through, and the
// options it gets per memory mode: 'copy' (the default, the whole memory copied
// in and out of every call) or 'unsafe' (UNSAFE_MEMORY, the live buffer).
import { createRequire } from 'node:module';

import { FORMAT } from './feed.mjs';

const require = createRequire(import.meta.url);
export const AoLoader = require('@permaweb/ao-loader');

export const loaderOptions = (mode) => ({
  format: FORMAT,
  memoryLimit: '1-gb',
  computeLimit: 9000000000000,
  extensions: [],
  ...(mode === 'unsafe' ? { UNSAFE_MEMORY: true } : {}),
});
