import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// The renderer is built by Vite into dist/renderer; the backend serves it at `/`.
// Vitest runs unit tests (beside their code) and system tests (test/system/), *.test.ts /
// *.test.tsx, but never the Playwright specs under e2e/ (*.spec.ts).
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
    include: ['{protocol,backend,client,scenario,cli,main,renderer,bench,scripts,test}/**/*.test.{ts,tsx}'],
    exclude: ['node_modules/**', 'dist/**', 'e2e/**'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
