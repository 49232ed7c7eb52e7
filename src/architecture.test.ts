import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layering of STYLE.md, checked on the real import graph (value and type imports alike,
 * `typeof import()` included): protocol → core → store → components → entry points, on-demand
 * chunks (src/lazy) loaded through core's registry without core importing them, the server kit on protocol and core only, and no import circle anywhere.
 */
const root = resolve(__dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'fixtures' ? [] : sources(p);
    return /\.ts$/.test(name) && !/\.test\.ts$|\.d\.ts$|typecheck\.ts$/.test(name) ? [p] : [];
  });
}

const files = [...sources(join(root, 'src')), ...sources(join(root, 'components'))];
const rel = (p: string) => relative(root, p).replaceAll('\\', '/');

function resolveImport(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec);
  for (const c of [base + '.ts', join(base, 'index.ts'), base]) if (files.includes(c)) return c;
  return undefined;
}

const graph = new Map<string, string[]>(
  files.map((f) => {
    const text = readFileSync(f, 'utf8');
    const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+|declare\s+module\s+)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
    return [rel(f), [...new Set(specs.map((s) => resolveImport(f, s)).filter((x): x is string => !!x && x !== f).map(rel))]];
  }),
);

function cycles(): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 'open') found.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of graph.keys()) if (!state.has(n)) visit(n);
  return found;
}

const layer = (f: string): string =>
  f.startsWith('src/protocol/') ? 'protocol'
  : f.startsWith('src/core/') ? 'core'
  : f.startsWith('src/lazy/') ? 'lazy'
  : f.startsWith('src/store/') ? 'store'
  : f.startsWith('src/headless/') ? 'headless'
  : f.startsWith('src/server/') ? 'server'
  : f.startsWith('src/mcp/') ? 'mcp'
  : f.startsWith('components/') ? 'components'
  : f === 'src/version.ts' ? 'core'
  : 'entry';

/** Which layers each layer may import. */
const ALLOWED: Record<string, string[]> = {
  protocol: ['protocol'],
  core: ['protocol', 'core'],
  // On-demand chunks: the pending-payment chunk carries its element, so it may import components.
  lazy: ['protocol', 'core', 'lazy', 'store', 'components'],
  store: ['protocol', 'core', 'lazy', 'store'],
  headless: ['protocol', 'core', 'lazy', 'store', 'headless'],
  server: ['protocol', 'core', 'server'],
  mcp: ['protocol', 'core', 'store', 'headless', 'mcp'],
  components: ['protocol', 'core', 'lazy', 'store', 'components'],
  entry: ['protocol', 'core', 'lazy', 'store', 'headless', 'server', 'mcp', 'components', 'entry'],
};

describe('architecture', () => {
  it('reads a real graph (sanity: the store imports the ranking, the element imports the store)', () => {
    expect(graph.get('src/store/checkout-store.ts')).toContain('src/core/ranking/index.ts');
    expect(graph.size).toBeGreaterThan(40);
  });

  it('has no import circle, type imports included', () => {
    expect(cycles().map((c) => c.join(' → '))).toEqual([]);
  });

  it('keeps the layering: nothing imports a layer above its own', () => {
    const wrong: string[] = [];
    for (const [f, deps] of graph) for (const d of deps) if (!ALLOWED[layer(f)]!.includes(layer(d))) wrong.push(`${f} → ${d}`);
    expect(wrong).toEqual([]);
  });

  it('finds a circle when there is one (the checker itself)', () => {
    graph.set('src/core/__a.ts', ['src/core/__b.ts']);
    graph.set('src/core/__b.ts', ['src/core/__a.ts']);
    try {
      expect(cycles().length).toBeGreaterThan(0);
    } finally {
      graph.delete('src/core/__a.ts');
      graph.delete('src/core/__b.ts');
    }
  });
});
