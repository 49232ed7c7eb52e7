import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin, type UserConfig } from 'vite';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};
const LOCALES = ['zh-CN', 'zh-TW', 'ja', 'ko', 'pt-BR', 'es', 'fr', 'de'];
const define = { __TILL_VERSION__: JSON.stringify(pkg.version) };
const deps = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)];

/**
 * Collapses the whitespace of Lit `css\`…\`` templates in our components (minifiers leave
 * template text alone): runs of whitespace become one space, and none is kept around { } ; , >
 * or after `:` — never before `:`, where a space can be a descendant combinator. `${…}` parts are untouched;
 * runs of spaces inside quoted strings collapse too (none of ours has any).
 */
export function minifyCss(code: string): string {
  return code.replace(/\bcss`([^`]*)`/g, (_m, body: string) =>
    'css`' + body.split(/(\$\{[^}]*\})/).map((part, i) => (i % 2 ? part : part.replace(/\s+/g, ' ').replace(/\s*([{};,>])\s*/g, '$1').replace(/:\s+/g, ':'))).join('') + '`',
  );
}
/**
 * Collapses the line breaks and indentation inside Lit `html\`…\`` templates of our components to
 * one space (HTML collapses any run of white space to one, and none of our templates has `<pre>`
 * or `<textarea>` text). Only the template's own text changes: `${…}` expressions, nested
 * templates included, are scanned with their braces and strings and left as they are.
 */
export function minifyHtml(code: string): string {
  let out = '';
  let i = 0;
  // Copies a template literal starting after its opening backtick; `collapse` rewrites its text.
  const template = (collapse: boolean) => {
    let text = '';
    const flush = () => {
      out += collapse ? text.replace(/\n\s*/g, ' ') : text;
      text = '';
    };
    while (i < code.length) {
      const c = code[i]!;
      if (c === '\\') {
        text += c + (code[i + 1] ?? '');
        i += 2;
      } else if (c === '`') {
        flush();
        out += '`';
        i++;
        return;
      } else if (c === '$' && code[i + 1] === '{') {
        flush();
        out += '${';
        i += 2;
        expression();
      } else {
        text += c;
        i++;
      }
    }
    flush();
  };
  // Copies code up to the `}` that closes the current `${` (or to the end at the top level).
  const expression = (top = false) => {
    let depth = 0;
    while (i < code.length) {
      const c = code[i]!;
      if (c === '`') {
        const tagged = /\bhtml\s*$/.test(out);
        out += c;
        i++;
        template(tagged);
      } else if (c === "'" || c === '"') {
        let j = i + 1;
        while (j < code.length && code[j] !== c) j += code[j] === '\\' ? 2 : 1;
        out += code.slice(i, j + 1);
        i = j + 1;
      } else if (c === '/' && code[i + 1] === '/') {
        const j = code.indexOf('\n', i);
        out += code.slice(i, j < 0 ? code.length : j);
        i = j < 0 ? code.length : j;
      } else if (c === '/' && code[i + 1] === '*') {
        const j = code.indexOf('*/', i + 2);
        out += code.slice(i, j < 0 ? code.length : j + 2);
        i = j < 0 ? code.length : j + 2;
      } else {
        if (c === '{') depth++;
        if (c === '}') {
          if (!top && depth === 0) {
            out += '}';
            i++;
            return;
          }
          depth--;
        }
        out += c;
        i++;
      }
    }
  };
  expression(true);
  return out;
}

const cssPlugin: Plugin = {
  name: 'till-minify-templates',
  transform: (code, id) => (/\/components\/.*\.ts$/.test(id) && (code.includes('css`') || code.includes('html`')) ? { code: minifyHtml(minifyCss(code)), map: null } : undefined),
};

/**
 * A second minifier pass over the script tag: terser's compressor, run on Oxc's output, finds
 * what Oxc leaves (≈ 200 bytes gzip of till.js). Mangling stays Oxc's.
 */
const terserPass: Plugin = {
  name: 'till-terser-pass',
  apply: 'build',
  async generateBundle(_o, bundle) {
    const { minify } = await import('terser');
    for (const chunk of Object.values(bundle)) {
      if (chunk.type !== 'chunk') continue;
      const out = await minify(chunk.code, { ecma: 2020, compress: { passes: 3, unsafe_arrows: true }, mangle: true });
      if (out.code) chunk.code = out.code;
    }
  },
};

/** The script tag cannot split: its schemas come from till-schemas.js (src/embed/load-schemas.ts). */
const embedSchemas: Plugin = {
  name: 'till-embed-schemas',
  enforce: 'pre',
  async resolveId(source, importer, options) {
    if (!source.endsWith('/load-schemas') || !importer) return null;
    const r = await this.resolve(source, importer, options);
    return r?.id.endsWith('/src/core/load-schemas.ts') ? new URL('./src/embed/load-schemas.ts', import.meta.url).pathname : null;
  },
};

/**
 * Three builds (scripts/build.mjs runs them in order):
 *  - `lib`    the npm package: ES modules, dependencies external, no side effects on import;
 *  - `embed`  dist/till.js: one self-contained IIFE for a <script> tag;
 *  - `chunks` ES chunks the script tag loads on demand from beside till.js (jose for JWE).
 */
export default defineConfig(({ mode }): UserConfig => {
  if (mode === 'embed') {
    return {
      define,
      plugins: [embedSchemas, cssPlugin, terserPass],
      build: {
        emptyOutDir: false,
        target: 'es2022',
        lib: { entry: 'src/embed.ts', formats: ['iife'], name: 'TillEmbed', fileName: () => 'till.js' },
        minify: true,
      },
    };
  }
  if (mode === 'chunks') {
    return {
      define,
      plugins: [cssPlugin],
      build: {
        emptyOutDir: false,
        target: 'es2022',
        lib: {
          entry: {
            'till-schemas': 'src/lazy/schemas.ts',
            'till-jwe': 'src/lazy/jwe.ts',
            'till-actions': 'src/lazy/actions.ts',
            'till-pricing': 'src/core/pricing/index.ts',
            'till-learn': 'src/core/ranking/learn.ts',
            'till-stripe': 'src/lazy/stripe.ts',
            'till-webmcp': 'src/lazy/webmcp.ts',
            ...Object.fromEntries(LOCALES.map((l) => [`till-locale-${l}`, `components/i18n/locales/${l}.ts`])),
          },
          formats: ['es'],
          fileName: (_f, name) => `${name}.js`,
        },
        minify: true,
      },
    };
  }
  return {
    define,
    build: {
      target: 'es2022',
      lib: {
        entry: { index: 'src/index.ts', core: 'src/core/index.ts', headless: 'src/headless/index.ts', mcp: 'src/mcp/index.ts', 'till-mcp': 'src/mcp/bin.ts', server: 'src/server/index.ts', 'server-storage': 'src/server/storage/node.ts' },
        formats: ['es'],
      },
      minify: false,
      rollupOptions: {
        external: (id) => id.startsWith('node:') || deps.some((d) => id === d || id.startsWith(d + '/')),
      },
    },
  };
});
