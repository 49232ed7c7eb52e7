import { css } from 'lit';
import { tokens } from '../internal/tokens';

export const styles = [
  tokens,
  css`
    :host { display: block; }
    fieldset { border: 0; margin: 0; padding: 0; display: grid; gap: 12px; }
    legend { font-weight: 600; margin-bottom: 8px; padding: 0; }
    .row { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
    .field { display: grid; gap: 4px; }
    label { font-size: 0.875rem; color: var(--_muted); }
    input {
      font: inherit; font-size: 1rem; padding: 10px 12px; min-height: 24px;
      border: 1px solid var(--_border); border-radius: var(--_radius); background: var(--_surface); color: var(--_text);
      width: 100%; box-sizing: border-box;
    }
    [data-invalid] input { border-color: var(--_danger); }
    .error { color: var(--_danger); font-size: 0.875rem; min-height: 1.2em; }
    .number-wrap { position: relative; }
    .brand { position: absolute; right: 12px; top: 50%; transform: translateY(-50%); font-size: 0.8rem; color: var(--_muted); pointer-events: none; }
  `,
];
