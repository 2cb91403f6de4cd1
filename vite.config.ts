import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The renderer is built by Vite into dist/renderer; the backend serves it at `/`.
// Vitest runs unit tests (beside their code) and system tests (test/system/), *.test.ts /
// *.test.tsx, but never the Playwright specs under e2e/ (*.spec.ts). The installed-package
// test (test/package/: npm pack, a fresh project, npm install) runs alone, by
// `npm run test:package` (FLOWSCOPE_TEST_PACKAGE=1).
const packageTest = process.env.FLOWSCOPE_TEST_PACKAGE === '1';
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    // No source maps in the production build: the backend serves dist/renderer to anyone.
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  server: { host: '127.0.0.1', port: 5173 },
  test: {
    root: '.',
    include: packageTest ? ['test/package/**/*.test.ts'] : ['{protocol,backend,client,scenario,cli,main,renderer,bench,scripts,test}/**/*.test.{ts,tsx}'],
    exclude: ['node_modules/**', 'dist/**', 'e2e/**', ...(packageTest ? [] : ['test/package/**'])],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
