import { describe, expect, it } from 'vitest';
import { minifyCss } from '../vite.config';

describe('build: Lit css`` whitespace', () => {
  it('collapses whitespace but keeps descendant combinators, values and ${} parts', () => {
    const src = "const s = css`\n  :host {\n    color: red;\n  }\n  a :hover, b  >  c { margin: 0 ${x} 1px ; }\n  d e{font: 1px  'A  B';}\n`;";
    expect(minifyCss(src)).toBe("const s = css` :host{color:red;}a :hover,b>c{margin:0 ${x} 1px;}d e{font:1px 'A B';}`;");
    expect(minifyCss('html`<p>  a  </p>`')).toBe('html`<p>  a  </p>`');
  });
});
