// Subresource Integrity for the script tag and its on-demand chunks: writes dist/integrity.json,
// { "<path under dist>": "sha384-…" } for every file in dist/ (see README "Pinning with integrity").
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** sha384 SRI value of a file's bytes, as `integrity=` and import maps take it. */
export function sri(bytes) {
  return `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
}

/** The integrity of every file under `dir` (sorted paths, `/` separators), integrity.json itself excepted. */
export function integrityOf(dir = 'dist') {
  const out = {};
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (relative(dir, p) !== 'integrity.json') out[relative(dir, p).split('\\').join('/')] = sri(readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const map = integrityOf('dist');
  writeFileSync('dist/integrity.json', JSON.stringify(map, null, 1) + '\n');
  console.log(`dist/integrity.json: ${Object.keys(map).length} files (sha384)`);
}
