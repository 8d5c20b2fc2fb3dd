import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EntitySchema } from './entity-schema.js';
import { MetadataStorage } from './storage.js';

/** Source files an entity can live in (declaration files are not). */
const SOURCE = /\.(?:[cm]?js|[cm]?ts)$/;

/**
 * Folder-based discovery: the entities exported by the files the patterns match (globs with `*`,
 * `**`, `?` and `{a,b}`, or folders, whose source files are all read), relative to `baseDir`.
 * Exports that are not entities (helpers, enums) are ignored.
 */
export async function discoverPaths(patterns: readonly string[], baseDir: string): Promise<unknown[]> {
  const files = new Set<string>();
  for (const pattern of patterns) {
    for (const file of matchFiles(isAbsolute(pattern) ? pattern : resolve(baseDir, pattern))) {
      files.add(file);
    }
  }
  const found: unknown[] = [];
  for (const file of [...files].sort()) {
    const exports = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const value of Object.values(exports)) {
      if (isEntity(value) && !found.includes(value)) {
        found.push(value);
      }
    }
  }
  return found;
}

/** An entity definition: an `EntitySchema` (`defineEntity` gives one) or a decorated class. */
function isEntity(value: unknown): boolean {
  if (value instanceof EntitySchema) {
    return true;
  }
  return typeof value === 'function' && MetadataStorage.getMetadata().get(value as never)?.decorated === true;
}

/** Whether a path (or glob) is taken in TypeScript: the `entitiesTs` paths apply. */
export function prefersTs(preferTs: boolean | undefined): boolean {
  if (preferTs !== undefined) {
    return preferTs;
  }
  const env = process.env;
  return (
    !!env.VITEST ||
    !!env.TS_JEST ||
    !!env.JEST_WORKER_ID ||
    process.execArgv.some(a => /ts-node|tsx|strip-types|transform-types/.test(a)) ||
    Symbol.for('ts-node.register.instance') in process
  );
}

function matchFiles(pattern: string): string[] {
  if (!/[*?{]/.test(pattern)) {
    const stat = statOf(pattern);
    if (stat?.isDirectory()) {
      return walk(pattern).filter(isSource);
    }
    return stat?.isFile() ? [pattern] : [];
  }
  // The folder before the first glob segment is walked; the rest is matched as a regex.
  const parts = pattern.split(/[\\/]/);
  const first = parts.findIndex(p => /[*?{]/.test(p));
  const root = parts.slice(0, first).join(sep) || sep;
  const regex = globRegex(parts.slice(first).join('/'));
  return walk(root).filter(f => regex.test(relative(root, f).split(sep).join('/')) && !f.endsWith('.d.ts'));
}

function isSource(file: string): boolean {
  return SOURCE.test(file) && !/\.d\.[cm]?ts$/.test(file);
}

function statOf(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Every file below `dir` (not following `node_modules`). */
function walk(dir: string): string[] {
  const out: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') {
        out.push(...walk(path));
      }
    } else if (e.isFile()) {
      out.push(path);
    }
  }
  return out;
}

/** `**` any folders, `*` any characters but `/`, `?` one, `{a,b}` either. */
function globRegex(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') {
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '{') {
      const end = glob.indexOf('}', i);
      if (end < 0) {
        re += '\\{';
        continue;
      }
      re += `(?:${glob
        .substring(i + 1, end)
        .split(',')
        .map(s => s.replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
        .join('|')})`;
      i = end;
    } else {
      re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}
