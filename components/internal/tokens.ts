import { css } from 'lit';

/**
 * Global design tokens. Each element reads `--till-color-*` etc. through private `--_*`
 * variables, so a merchant themes the whole widget from one place.
 */
export const tokens = css`
  :host {
    --_primary: var(--till-color-primary, #1d4ed8);
    --_on-primary: var(--till-color-on-primary, #ffffff);
    --_text: var(--till-color-text, #111827);
    --_muted: var(--till-color-muted, #4b5563);
    --_border: var(--till-color-border, #6b7280);
    --_danger: var(--till-color-danger, #b91c1c);
    --_success: var(--till-color-success, #047857);
    --_surface: var(--till-color-surface, #ffffff);
    --_radius: var(--till-radius, 8px);
    --_font: var(--till-font-family, system-ui, -apple-system, 'Segoe UI', sans-serif);
    font-family: var(--_font);
    color: var(--_text);
  }
  :focus-visible {
    outline: 3px solid var(--till-color-focus, #2563eb);
    outline-offset: 2px;
  }
`;
