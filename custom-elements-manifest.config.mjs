// Custom elements manifest (dist/custom-elements.json) for IDEs and docs, from the JSDoc on each
// element class. Lit's `state: true` properties are internal, not attributes, and the element's
// templated event name is documented with @fires instead.
export default {
  globs: ['components/**/*.ts'],
  exclude: ['**/*.test.ts', 'components/i18n/**', 'components/internal/**'],
  outdir: 'dist',
  litelement: true,
  plugins: [
    {
      name: 'till-cleanup',
      packageLinkPhase({ customElementsManifest }) {
        for (const mod of customElementsManifest.modules) {
          for (const d of mod.declarations ?? []) {
            if (!d.customElement) continue;
            const internal = new Set((d.members ?? []).filter((m) => m.privacy === 'private').map((m) => m.name));
            d.attributes = (d.attributes ?? []).filter((a) => !internal.has(a.fieldName ?? a.name));
            d.members = (d.members ?? []).filter((m) => m.privacy !== 'private');
            d.events = (d.events ?? []).filter((e) => e.name);
          }
        }
      },
    },
  ],
};
