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
  await import('../dist/node/cli/flowscope-cli.js');
}
