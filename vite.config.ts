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
const cssPlugin: Plugin = {
  name: 'till-minify-css',
  transform: (code, id) => (/\/components\/.*\.ts$/.test(id) && code.includes('css`') ? { code: minifyCss(code), map: null } : undefined),
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
      plugins: [cssPlugin],
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
            'till-jwe': 'src/lazy/jwe.ts',
            'till-actions': 'src/lazy/actions.ts',
            'till-pricing': 'src/core/pricing/index.ts',
            'till-stripe': 'src/lazy/stripe.ts',
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
