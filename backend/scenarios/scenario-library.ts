/**
 * The scenario library behind /api/scenarios (docs/protocol.md, HTTP extensions): scenario
 * files (JSON or YAML, read by scenario/scenario-loader.ts) from two sources, and the history of their
 * run results.
 *
 * - `builtin`: a read-only folder (the repo's `scenarios/` pack; optional). Ids are the file's
 *   path relative to the folder without its extension, e.g. `golden/complete-flow`.
 * - `saved`: `<dataDir>/scenarios/`, written by `save` (temp file + rename) and `remove`.
 *
 * Built-in scenarios are never written: saving or removing a built-in id is FORBIDDEN. To edit
 * one, save it without an id (a copy under a new id derived from its name).
 *
 * Results live in `<dataDir>/scenario-results/<id>/<result_id>.json`, newest
 * MAX_RESULTS_PER_SCENARIO kept. Removing a saved scenario removes its results too.
 */
import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {
  ErrorCode,
  type ScenarioDocument,
  type ScenarioFormat,
  type ScenarioIssue,
  type ScenarioResultSummary,
  type ScenarioSource,
  type ScenarioSummary,
  type StoredScenarioResult,
} from '../../protocol/index.ts';
import { checkScenarioText } from '../../scenario/scenario-loader.ts';

export type { ScenarioSource, ScenarioFormat, ScenarioSummary, ScenarioDocument, ScenarioResultSummary, StoredScenarioResult };

export interface ScenarioSaveResult {
  scenario: ScenarioDocument;
  /** False when an existing saved scenario was replaced. */
  created: boolean;
}

export const MAX_SCENARIO_BYTES = 1024 * 1024;
export const MAX_RESULT_BYTES = 5 * 1024 * 1024;
export const MAX_RESULTS_PER_SCENARIO = 20;
const MAX_ID_LENGTH = 200;
const MAX_SCAN_DEPTH = 8;
const MAX_SCAN_FILES = 5000;

/** A scenario id: `[a-z0-9][a-z0-9._/-]*`, segments start with a letter or digit, no `..`. */
export const SCENARIO_ID_PATTERN = /^[a-z0-9][a-z0-9._-]*(?:\/[a-z0-9][a-z0-9._-]*)*$/;
const RESULT_ID_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;
const EXTENSIONS: Record<string, ScenarioFormat> = { '.json': 'json', '.yaml': 'yaml', '.yml': 'yaml' };

export class ScenarioLibraryError extends Error {
  override readonly name = 'ScenarioLibraryError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: ScenarioIssue[],
  ) {
    super(message);
  }
}

export function isScenarioId(id: string): boolean {
  return id.length <= MAX_ID_LENGTH && SCENARIO_ID_PATTERN.test(id) && !id.includes('..');
}

function checkId(id: string): void {
  if (!isScenarioId(id)) {
    throw new ScenarioLibraryError(
      ErrorCode.VALIDATION_FAILED,
      `Invalid scenario id "${id.slice(0, 100)}": up to ${MAX_ID_LENGTH} of [a-z0-9._/-], each segment starting with a letter or digit, no "..".`,
    );
  }
}

/** `My Flow: v2!` → `my-flow-v2`. */
export function slugify(text: string): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return slug || 'scenario';
}

/** A file's relative path (without extension) as an id; undefined when nothing usable is left. */
function idFromRelative(relNoExt: string): string | undefined {
  const segments = relNoExt.split('/').map((s) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/\.{2,}/g, '.')
      .replace(/^[^a-z0-9]+/, ''),
  );
  if (segments.some((s) => s === '')) return undefined;
  const id = segments.join('/');
  return isScenarioId(id) ? id : undefined;
}

interface FileEntry {
  id: string;
  source: ScenarioSource;
  root: string;
  /** Relative path with forward slashes. */
  rel: string;
  format: ScenarioFormat;
}

/** Every *.json/*.yaml/*.yml under root (recursively, no dot-files, no symlinks), by id. */
async function scan(root: string | undefined, source: ScenarioSource): Promise<Map<string, FileEntry>> {
  const out = new Map<string, FileEntry>();
  if (!root) return out;
  const files: Array<{ rel: string; ext: string }> = [];
  const walk = async (dir: string, relDir: string, depth: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw err;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (files.length >= MAX_SCAN_FILES) return;
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (depth < MAX_SCAN_DEPTH) await walk(path.join(dir, entry.name), rel, depth + 1);
      } else if (entry.isFile()) {
        const ext = path.extname(entry.name).toLowerCase();
        if (EXTENSIONS[ext]) files.push({ rel, ext });
      }
    }
  };
  await walk(root, '', 0);
  for (const { rel, ext } of files) {
    const format = EXTENSIONS[ext] as ScenarioFormat;
    const base = idFromRelative(rel.slice(0, -ext.length));
    // Two files with the same name and different extensions: the second keeps its extension in its id.
    const candidates = [base, idFromRelative(rel)];
    const id = candidates.find((c): c is string => c !== undefined && !out.has(c));
    if (id) out.set(id, { id, source, root, rel, format });
  }
  return out;
}

function toDocument(entry: FileEntry, text: string, mtime: Date): ScenarioDocument {
  const checked = checkScenarioText(text, { format: entry.format });
  const { doc } = checked;
  const issues = checked.ok ? [] : checked.issues;
  const obj = doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : {};
  const name = typeof obj.name === 'string' && obj.name ? obj.name : entry.id;
  const tags = Array.isArray(obj.tags) ? obj.tags.filter((t): t is string => typeof t === 'string') : [];
  return {
    id: entry.id,
    name,
    tags,
    ...(typeof obj.description === 'string' ? { description: obj.description } : {}),
    source: entry.source,
    file: entry.rel,
    format: entry.format,
    updated_at: mtime.toISOString(),
    valid: issues.length === 0,
    ...(issues.length ? { issues } : {}),
    text,
  };
}

async function readEntry(entry: FileEntry): Promise<ScenarioDocument> {
  const abs = path.join(entry.root, ...entry.rel.split('/'));
  const stat = await fsp.stat(abs);
  if (stat.size > MAX_SCENARIO_BYTES) {
    return {
      ...toDocument(entry, '', stat.mtime),
      name: entry.id,
      valid: false,
      issues: [{ path: '(document)', message: `the file is larger than ${MAX_SCENARIO_BYTES} bytes` }],
    };
  }
  return toDocument(entry, await fsp.readFile(abs, 'utf8'), stat.mtime);
}

function withoutText(doc: ScenarioDocument): ScenarioSummary {
  const { text: _text, ...summary } = doc;
  return summary;
}

/** Writes through a temp file in the same folder and a rename, so readers never see half a file. */
async function writeAtomic(file: string, data: string): Promise<void> {
  const dir = path.dirname(file);
  await fsp.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await fsp.writeFile(tmp, data, { flag: 'wx' });
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** Resolves `rel` under root, refusing anything that would land outside it. */
function inside(root: string, ...rel: string[]): string {
  const base = path.resolve(root);
  const target = path.resolve(base, ...rel);
  if (!target.startsWith(base + path.sep)) throw new ScenarioLibraryError(ErrorCode.FORBIDDEN, 'Path outside the library.');
  return target;
}

function formatResultId(ms: number): string {
  return new Date(ms).toISOString().replace(/:/g, '-').replace('.', '-');
}

function resultIdTime(resultId: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z$/.exec(resultId);
  return m ? `${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z` : resultId;
}

function resultMeta(resultId: string, doc: Record<string, unknown>): ScenarioResultSummary {
  let status = typeof doc.status === 'string' ? doc.status : 'unknown';
  const summary = doc.summary as { failed?: unknown } | undefined;
  if (status === 'unknown' && summary && typeof summary === 'object' && typeof summary.failed === 'number') {
    status = summary.failed > 0 ? 'failed' : 'passed';
  }
  return {
    result_id: resultId,
    started_at: typeof doc.started_at === 'string' ? doc.started_at : resultIdTime(resultId),
    status,
    duration_ms: typeof doc.duration_ms === 'number' && Number.isFinite(doc.duration_ms) ? doc.duration_ms : null,
  };
}

export interface ScenarioLibraryOptions {
  /** The read-only built-in pack; absent or missing folder: no built-in scenarios. */
  builtinDir?: string | undefined;
  /** Saved scenarios go to `<dataDir>/scenarios/`, results to `<dataDir>/scenario-results/`. */
  dataDir: string;
  maxResults?: number;
  maxResultBytes?: number;
  now?: () => number;
}

export interface ScenarioLibrary {
  readonly builtinDir: string | undefined;
  readonly savedDir: string;
  readonly resultsDir: string;
  list(): Promise<ScenarioSummary[]>;
  get(id: string): Promise<ScenarioDocument>;
  /** Validates and writes a saved scenario; without id, a new id from the scenario's name. */
  save(id: string | undefined, text: string, format: ScenarioFormat): Promise<ScenarioSaveResult>;
  remove(id: string): Promise<void>;
  saveResult(id: string, result: string | Record<string, unknown>): Promise<ScenarioResultSummary>;
  listResults(id: string): Promise<ScenarioResultSummary[]>;
  getResult(id: string, resultId: string): Promise<StoredScenarioResult>;
}

export function createScenarioLibrary(options: ScenarioLibraryOptions): ScenarioLibrary {
  const builtinDir = options.builtinDir ? path.resolve(options.builtinDir) : undefined;
  const savedDir = path.resolve(options.dataDir, 'scenarios');
  const resultsDir = path.resolve(options.dataDir, 'scenario-results');
  const maxResults = options.maxResults ?? MAX_RESULTS_PER_SCENARIO;
  const maxResultBytes = options.maxResultBytes ?? MAX_RESULT_BYTES;
  const now = options.now ?? Date.now;
  let lastResultMs = 0;
  /** Result summaries by file, valid while size and mtime match: listing does not re-parse big results. */
  const metaCache = new Map<string, { size: number; mtimeMs: number; meta: ScenarioResultSummary }>();

  const sources = async () => ({ builtin: await scan(builtinDir, 'builtin'), saved: await scan(savedDir, 'saved') });

  async function find(id: string): Promise<FileEntry | undefined> {
    checkId(id);
    const { builtin, saved } = await sources();
    return builtin.get(id) ?? saved.get(id);
  }

  async function mustExist(id: string): Promise<FileEntry> {
    const entry = await find(id);
    if (!entry) throw new ScenarioLibraryError(ErrorCode.NOT_FOUND, `Scenario "${id}" not found.`);
    return entry;
  }

  function resultFolder(id: string): string {
    return inside(resultsDir, ...id.split('/'));
  }

  async function resultFiles(id: string): Promise<string[]> {
    try {
      const names = await fsp.readdir(resultFolder(id));
      return names
        .filter((n) => n.endsWith('.json') && RESULT_ID_PATTERN.test(n.slice(0, -5)))
        .map((n) => n.slice(0, -5))
        .sort()
        .reverse();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  const library: ScenarioLibrary = {
    builtinDir,
    savedDir,
    resultsDir,

    async list() {
      const { builtin, saved } = await sources();
      const entries = [...builtin.values(), ...[...saved.values()].filter((e) => !builtin.has(e.id))];
      const docs = await Promise.all(entries.map((e) => readEntry(e).catch(() => undefined)));
      return docs.filter((d): d is ScenarioDocument => d !== undefined).map(withoutText);
    },

    async get(id) {
      const entry = await mustExist(id);
      try {
        return await readEntry(entry);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ScenarioLibraryError(ErrorCode.NOT_FOUND, `Scenario "${id}" not found.`);
        throw err;
      }
    },

    async save(id, text, format) {
      if (format !== 'json' && format !== 'yaml') throw new ScenarioLibraryError(ErrorCode.VALIDATION_FAILED, 'format: "json" or "yaml".');
      if (typeof text !== 'string') throw new ScenarioLibraryError(ErrorCode.VALIDATION_FAILED, 'text: the scenario as a string.');
      if (Buffer.byteLength(text, 'utf8') > MAX_SCENARIO_BYTES) {
        throw new ScenarioLibraryError(ErrorCode.MESSAGE_TOO_LARGE, `A scenario is at most ${MAX_SCENARIO_BYTES} bytes.`);
      }
      if (id !== undefined) checkId(id);
      const checked = checkScenarioText(text, { format });
      if (!checked.ok) {
        const { issues } = checked;
        throw new ScenarioLibraryError(ErrorCode.VALIDATION_FAILED, `The scenario is invalid (${issues.length} issue${issues.length === 1 ? '' : 's'}).`, issues);
      }
      const { builtin, saved } = await sources();
      let targetId: string;
      if (id === undefined) {
        const base = slugify(checked.scenario.name);
        targetId = base;
        for (let n = 2; builtin.has(targetId) || saved.has(targetId); n++) targetId = `${base}-${n}`;
      } else {
        if (builtin.has(id)) {
          throw new ScenarioLibraryError(ErrorCode.FORBIDDEN, `"${id}" is a built-in scenario and read-only; save it without an id (POST /api/scenarios) to make a copy.`);
        }
        targetId = id;
      }
      const previous = saved.get(targetId);
      const ext = format === 'json' ? '.json' : '.yaml';
      const file = inside(savedDir, ...`${targetId}${ext}`.split('/'));
      await writeAtomic(file, text);
      if (previous) {
        const previousFile = inside(savedDir, ...previous.rel.split('/'));
        if (previousFile !== file) await fsp.rm(previousFile, { force: true });
      }
      const entry: FileEntry = { id: targetId, source: 'saved', root: savedDir, rel: path.relative(savedDir, file).split(path.sep).join('/'), format };
      return { scenario: await readEntry(entry), created: !previous };
    },

    async remove(id) {
      checkId(id);
      const { builtin, saved } = await sources();
      if (builtin.has(id)) throw new ScenarioLibraryError(ErrorCode.FORBIDDEN, `"${id}" is a built-in scenario and cannot be deleted.`);
      const entry = saved.get(id);
      if (!entry) throw new ScenarioLibraryError(ErrorCode.NOT_FOUND, `Scenario "${id}" not found.`);
      await fsp.rm(inside(savedDir, ...entry.rel.split('/')), { force: true });
      // Its results go too (only result files: ids nested under this one keep theirs).
      const folder = resultFolder(id);
      for (const resultId of await resultFiles(id)) {
        const f = path.join(folder, `${resultId}.json`);
        metaCache.delete(f);
        await fsp.rm(f, { force: true });
      }
      await fsp.rmdir(folder).catch(() => undefined);
    },

    async saveResult(id, result) {
      await mustExist(id);
      const text = typeof result === 'string' ? result.trim() : JSON.stringify(result);
      if (Buffer.byteLength(text, 'utf8') > maxResultBytes) {
        throw new ScenarioLibraryError(ErrorCode.MESSAGE_TOO_LARGE, `A result is at most ${maxResultBytes} bytes.`);
      }
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch {
        throw new ScenarioLibraryError(ErrorCode.INVALID_JSON, 'The result is not valid JSON.');
      }
      if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
        throw new ScenarioLibraryError(ErrorCode.VALIDATION_FAILED, 'A result is a JSON object.');
      }
      const folder = resultFolder(id);
      await fsp.mkdir(folder, { recursive: true });
      // Ids are timestamps, strictly increasing in this process and never reusing a file.
      let ms = Math.max(now(), lastResultMs + 1);
      let file = path.join(folder, `${formatResultId(ms)}.json`);
      while (await fsp.stat(file).then(() => true, () => false)) {
        ms += 1;
        file = path.join(folder, `${formatResultId(ms)}.json`);
      }
      lastResultMs = ms;
      const resultId = formatResultId(ms);
      await writeAtomic(file, text);
      const meta = resultMeta(resultId, doc as Record<string, unknown>);
      const stat = await fsp.stat(file);
      metaCache.set(file, { size: stat.size, mtimeMs: stat.mtimeMs, meta });
      const all = await resultFiles(id);
      for (const old of all.slice(maxResults)) {
        const f = path.join(folder, `${old}.json`);
        metaCache.delete(f);
        await fsp.rm(f, { force: true });
      }
      return meta;
    },

    async listResults(id) {
      await mustExist(id);
      const folder = resultFolder(id);
      const out: ScenarioResultSummary[] = [];
      for (const resultId of (await resultFiles(id)).slice(0, maxResults)) {
        const file = path.join(folder, `${resultId}.json`);
        try {
          const stat = await fsp.stat(file);
          const cached = metaCache.get(file);
          if (cached && cached.size === stat.size && cached.mtimeMs === stat.mtimeMs) {
            out.push(cached.meta);
            continue;
          }
          let doc: unknown;
          try {
            doc = JSON.parse(await fsp.readFile(file, 'utf8'));
          } catch {
            doc = {};
          }
          const meta = resultMeta(resultId, doc && typeof doc === 'object' ? (doc as Record<string, unknown>) : {});
          metaCache.set(file, { size: stat.size, mtimeMs: stat.mtimeMs, meta });
          out.push(meta);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // removed meanwhile
        }
      }
      return out;
    },

    async getResult(id, resultId) {
      await mustExist(id);
      if (!RESULT_ID_PATTERN.test(resultId)) throw new ScenarioLibraryError(ErrorCode.NOT_FOUND, `Result "${resultId.slice(0, 100)}" not found.`);
      const file = path.join(resultFolder(id), `${resultId}.json`);
      let text: string;
      try {
        text = await fsp.readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ScenarioLibraryError(ErrorCode.NOT_FOUND, `Result "${resultId}" not found.`);
        throw err;
      }
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch {
        doc = undefined;
      }
      if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
        throw new ScenarioLibraryError(ErrorCode.INTERNAL, `Stored result "${resultId}" is not a JSON object.`);
      }
      return { ...resultMeta(resultId, doc as Record<string, unknown>), result: doc as Record<string, unknown> };
    },
  };

  // Saves and deletes run one at a time: choosing a free id and writing it must not interleave
  // (two POSTs of the same name would otherwise both get the same id, and one text would be lost).
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };
  const { save, remove } = library;
  return {
    ...library,
    save: (id, text, format) => serial(() => save(id, text, format)),
    remove: (id) => serial(() => remove(id)),
  };
}
