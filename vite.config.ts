import { readFileSync } from 'node:fs';
import { defineConfig, type UserConfig } from 'vite';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
};
const LOCALES = ['zh-CN', 'zh-TW', 'ja', 'ko', 'pt-BR', 'es', 'fr', 'de'];
const define = { __TILL_VERSION__: JSON.stringify(pkg.version) };
const deps = Object.keys(pkg.dependencies);

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
        entry: { index: 'src/index.ts', core: 'src/core/index.ts', server: 'src/server/index.ts' },
        formats: ['es'],
      },
      minify: false,
      rollupOptions: {
        external: (id) => deps.some((d) => id === d || id.startsWith(d + '/')),
      },
    },
  };
});
