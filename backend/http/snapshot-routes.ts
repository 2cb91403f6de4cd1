/**
 * `/api/scenarios/:id/snapshots/:name`: a library scenario's golden trace snapshots
 * (`__snapshots__/<scenario>.<name>.json` beside its file; scenario/trace-snapshot.ts), for
 * the console's runs and its Accept.
 *
 * - GET: `{ name, file, text }` (`text: null` when the scenario has no snapshot of that name).
 * - PUT `{ text }`: writes (accepts) it for a saved scenario. Errors: a built-in scenario is
 *   read-only (403 FORBIDDEN); an unknown scenario 404 NOT_FOUND; a bad name or a text that is
 *   not a snapshot 400 VALIDATION_FAILED; over MAX_SNAPSHOT_BYTES 413 MESSAGE_TOO_LARGE.
 *
 * Served through scenario-routes.ts (loopback only, like the rest of the library).
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode } from '../../protocol/index.ts';
import { parseSnapshot, SNAPSHOT_DIR, SnapshotFileError, snapshotFileName } from '../../scenario/trace-snapshot.ts';
import type { ScenarioLibrary } from '../scenarios/scenario-library.ts';
import { HttpError, readJsonObject, sendJson, type RouteHandler } from './http-helpers.ts';

export const SNAPSHOT_ROUTE = '/api/scenarios/:id/snapshots/:name';
export const MAX_SNAPSHOT_BYTES = 5 * 1024 * 1024;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;

async function locate(library: ScenarioLibrary, id: string, name: string) {
  if (!NAME.test(name)) throw new HttpError(ErrorCode.VALIDATION_FAILED, 'name: up to 80 of [A-Za-z0-9._-], starting with a letter or digit.');
  const doc = await library.get(id);
  const root = doc.source === 'builtin' ? library.builtinDir : library.savedDir;
  if (!root) throw new HttpError(ErrorCode.NOT_FOUND, `Scenario "${id}" not found.`);
  const dir = path.dirname(doc.file);
  const base = path.basename(doc.file).replace(/\.(ya?ml|json)$/i, '');
  const relative = path.posix.join(dir === '.' ? '' : dir.split(path.sep).join('/'), SNAPSHOT_DIR, snapshotFileName(base, name));
  return { doc, relative, absolute: path.join(root, ...relative.split('/')) };
}

export function snapshotRoutes(library: ScenarioLibrary): { get: RouteHandler; put: RouteHandler } {
  return {
    async get({ res, params }) {
      const name = params.name ?? '';
      const { relative, absolute } = await locate(library, params.id ?? '', name);
      let text: string | null = null;
      try {
        text = await fsp.readFile(absolute, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      sendJson(res, 200, { name, file: relative, text });
    },
    async put({ req, res, params }) {
      const id = params.id ?? '';
      const name = params.name ?? '';
      const { doc, relative, absolute } = await locate(library, id, name);
      if (doc.source === 'builtin') {
        throw new HttpError(ErrorCode.FORBIDDEN, `Scenario "${id}" is built in and read-only: save a copy (Save as) to keep snapshots of your own.`);
      }
      const body = await readJsonObject(req, 2 * MAX_SNAPSHOT_BYTES);
      if (typeof body.text !== 'string') throw new HttpError(ErrorCode.VALIDATION_FAILED, 'text: the snapshot file as a string.');
      if (Buffer.byteLength(body.text, 'utf8') > MAX_SNAPSHOT_BYTES)
        throw new HttpError(ErrorCode.MESSAGE_TOO_LARGE, `A snapshot is at most ${MAX_SNAPSHOT_BYTES} bytes.`);
      try {
        parseSnapshot(body.text);
      } catch (err) {
        if (err instanceof SnapshotFileError) throw new HttpError(ErrorCode.VALIDATION_FAILED, `text: ${err.message}`);
        throw err;
      }
      await fsp.mkdir(path.dirname(absolute), { recursive: true });
      const temp = `${absolute}.${process.pid}.tmp`;
      await fsp.writeFile(temp, body.text);
      await fsp.rename(temp, absolute);
      sendJson(res, 200, { name, file: relative, written: true });
    },
  };
}
