/**
 * User agent modules in TypeScript load through tsx, which runs esbuild's native executable.
 * In the packaged app that executable sits inside app.asar, where nothing can execute it;
 * electron-builder.yml unpacks esbuild's packages to app.asar.unpacked, and this points
 * esbuild there through ESBUILD_BINARY_PATH, which esbuild reads once, when it is first
 * loaded: so it runs before the backend bundle is required (packaged-esbuild-setup.ts, the
 * first import of electron-main.ts). Pure: resolution and the file check are injected.
 */
import path from 'node:path';

export interface EsbuildLookup {
  /** require.resolve from the app's code. */
  resolve(id: string): string;
  exists(file: string): boolean;
  platform?: string;
  arch?: string;
}

/** esbuild's platform package and the executable in it (as esbuild's own lib/main.js names them). */
export function esbuildBinaryId(platform: string, arch: string): string {
  return platform === 'win32' ? `@esbuild/win32-${arch}/esbuild.exe` : `@esbuild/${platform}-${arch}/bin/esbuild`;
}

/** The unpacked copy of esbuild's executable when the app runs from an asar archive; null otherwise. */
export function unpackedEsbuildBinary(lookup: EsbuildLookup): string | null {
  let resolved: string;
  try {
    resolved = lookup.resolve(esbuildBinaryId(lookup.platform ?? process.platform, lookup.arch ?? process.arch));
  } catch {
    return null; // no esbuild for this platform: tsx reports that itself when an agent needs it
  }
  const inside = `${path.sep}app.asar${path.sep}`;
  const at = resolved.indexOf(inside);
  if (at < 0) return null; // not packaged: esbuild finds its own executable
  const unpacked = `${resolved.slice(0, at)}${path.sep}app.asar.unpacked${path.sep}${resolved.slice(at + inside.length)}`;
  return lookup.exists(unpacked) ? unpacked : null;
}

/** Sets ESBUILD_BINARY_PATH to the unpacked executable (unless the user set it); returns what it set. */
export function useUnpackedEsbuild(env: NodeJS.ProcessEnv, lookup: EsbuildLookup): string | null {
  if (env.ESBUILD_BINARY_PATH) return null;
  const binary = unpackedEsbuildBinary(lookup);
  if (binary) env.ESBUILD_BINARY_PATH = binary;
  return binary;
}
