/** Snapshots beside a scenario file: `<its folder>/__snapshots__/<file base>.<name>.json` (written via a temp file and rename). */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { SNAPSHOT_DIR, snapshotFileName, type SnapshotStore } from '../scenario/trace-snapshot.ts';

/** The mode from the flags and environment: --update-snapshots, else CI (set and not `false`/`0`), else local. */
export function snapshotMode(update: boolean, env: Record<string, string | undefined>): SnapshotStore['mode'] {
  if (update) return 'update';
  const ci = env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0' ? 'ci' : 'local';
}

/**
 * The store of one scenario file. `file` is the scenario as the user named it (relative paths
 * stay relative in messages); `cwd` resolves it.
 */
export function fileSnapshotStore(file: string, cwd: string, mode: SnapshotStore['mode']): SnapshotStore & { written: string[] } {
  const base = path.basename(file).replace(/\.(ya?ml|json)$/i, '');
  const shown = (name: string) => path.join(path.dirname(file), SNAPSHOT_DIR, snapshotFileName(base, name));
  const absolute = (name: string) => path.resolve(cwd, shown(name));
  const written: string[] = [];
  return {
    mode,
    written,
    location: shown,
    async read(name) {
      try {
        return await fsp.readFile(absolute(name), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    async write(name, text) {
      const target = absolute(name);
      await fsp.mkdir(path.dirname(target), { recursive: true });
      const temp = `${target}.${process.pid}.tmp`;
      await fsp.writeFile(temp, text);
      await fsp.rename(temp, target);
      written.push(shown(name));
    },
  };
}
