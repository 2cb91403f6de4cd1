#!/usr/bin/env node
// The `flowscope` command. In a checkout it runs the TypeScript sources through tsx's loader
// (no build step); an installed package ships no sources and runs its build (dist/node/),
// made by `npm pack` (prepack: npm run build:package).
import { existsSync } from 'node:fs';

const sources = new URL('../cli/flowscope-cli.ts', import.meta.url);
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(sources.href);
} else {
  // A URL, not a path: the build does not exist in a checkout, where lint resolves imports.
  await import(new URL('../dist/node/cli/flowscope-cli.js', import.meta.url).href);
}
