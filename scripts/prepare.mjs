#!/usr/bin/env node
// npm's `prepare` script. npm runs it after every `npm install` / `npm ci` in a checkout, and
// when a project installs Flowscope from a git URL (`npm i -D git+https://...`): then npm
// clones the repository, installs its dependencies, runs `prepare` and packs what `files`
// lists, so the package must be built here (it runs `prepack` only for `npm pack` and
// publish). A checkout needs no build (it runs the TypeScript sources), so this builds only
// during that git-dependency preparation, which npm marks by setting _PACOTE_NO_PREPARE_ in
// the environment of the install it runs in the clone (pacote's git fetcher, npm 7 to 11).
// FLOWSCOPE_BUILD_PACKAGE=1 builds in any case.
import { spawnSync } from 'node:child_process';

const gitDependency = Boolean(process.env._PACOTE_NO_PREPARE_);
if (gitDependency || process.env.FLOWSCOPE_BUILD_PACKAGE === '1') {
  console.log('flowscope: building the package (the console and dist/node) for a git-URL install');
  const result = spawnSync('npm', ['run', '--silent', 'build:package'], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
