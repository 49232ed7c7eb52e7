import { describe, expect, it } from 'vitest';
import { minifyCss } from '../vite.config';

describe('build: Lit css`` whitespace', () => {
  it('collapses whitespace but keeps descendant combinators, values and ${} parts', () => {
    const src = "const s = css`\n  :host {\n    color: red;\n  }\n  a :hover, b  >  c { margin: 0 ${x} 1px ; }\n  d e{font: 1px  'A  B';}\n`;";
    expect(minifyCss(src)).toBe("const s = css` :host{color:red;}a :hover,b>c{margin:0 ${x} 1px;}d e{font:1px 'A B';}`;");
    expect(minifyCss('html`<p>  a  </p>`')).toBe('html`<p>  a  </p>`');
  });
});

describe('build: Lit html`` whitespace', () => {
  it('collapses line breaks and indentation in html templates only, nested ones included', async () => {
    const { minifyHtml } = await import('../vite.config');
    const src = [
      'const a = html`<div>',
      '    <p>${x ? html`<b>',
      '      bold</b>` : nothing}</p>',
      '  </div>`;',
      "const s = 'keep\\n  this'; // html`not a template",
      'const t = `plain',
      '  template`;',
      '/* html`<i>\n </i>` */',
      'const u = html`<a title="${`x ${"}"}`}">\n  </a>`;',
    ].join('\n');
    expect(minifyHtml(src)).toBe(
      [
        'const a = html`<div> <p>${x ? html`<b> bold</b>` : nothing}</p> </div>`;',
        "const s = 'keep\\n  this'; // html`not a template",
        'const t = `plain',
        '  template`;',
        '/* html`<i>\n </i>` */',
        'const u = html`<a title="${`x ${"}"}`}"> </a>`;',
      ].join('\n'),
    );
  });

  it('changes nothing but white space in every component (same code once white space is removed)', async () => {
    const { minifyHtml, minifyCss } = await import('../vite.config');
    const { readdirSync, readFileSync, statSync } = await import('node:fs');
    const { join } = await import('node:path');
    const files: string[] = [];
    const walk = (d: string) => {
      for (const n of readdirSync(d)) {
        const p = join(d, n);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) files.push(p);
      }
    };
    walk('components');
    expect(files.length).toBeGreaterThan(8);
    let shrunk = 0;
    for (const f of files) {
      const code = minifyCss(readFileSync(f, 'utf8'));
      const out = minifyHtml(code);
      expect(out.replace(/\s+/g, ''), f).toBe(code.replace(/\s+/g, ''));
      expect(out.split('`').length, f).toBe(code.split('`').length);
      if (out.length < code.length) shrunk++;
    }
    expect(shrunk).toBeGreaterThan(4);
  });
});
