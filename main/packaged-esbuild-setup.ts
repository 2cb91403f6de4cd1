/**
 * Side effect only, imported first by electron-main.ts: in the packaged app, points esbuild
 * (and so tsx, which loads user agent modules) at its unpacked executable before the backend
 * bundle loads them. See packaged-esbuild.ts.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { useUnpackedEsbuild } from './packaged-esbuild.ts';

const require = createRequire(import.meta.url);
useUnpackedEsbuild(process.env, { resolve: (id) => require.resolve(id), exists: (file) => fs.existsSync(file) });
