import { css } from 'lit';
import { tokens } from '../internal/tokens';

export const styles = [
  tokens,
  css`
    :host { display: block; max-width: var(--till-checkout-max-width, 440px); }
    .base[data-drawing] { visibility: hidden; }
    :host([reserving]) { min-height: var(--till-reserve-height, var(--_reserve)); }
    .base { display: grid; gap: 20px; padding: var(--till-checkout-padding, 16px); background: var(--_surface); border-radius: var(--_radius); }
    .pay, .secondary {
      font: inherit; font-size: 1.05rem; font-weight: 600; padding: 12px 16px; min-height: 44px;
      border-radius: var(--_radius); border: 0; cursor: pointer;
    }
    .pay { background: var(--_primary); color: var(--_on-primary); }
    .pay[disabled] { opacity: 0.7; cursor: progress; }
    .secondary { background: transparent; color: var(--_primary); border: 1px solid var(--_primary); }
    .failure { color: var(--_danger); margin: 0; padding: 10px 12px; border: 1px solid var(--_danger); border-radius: var(--_radius); }
    .muted { color: var(--_muted); margin: 0; }
    .small { font-size: 0.8rem; }
    .consent { display: flex; gap: 8px; align-items: center; font-size: 0.9rem; }
    .stripe { display: grid; gap: 8px; }
    .stripe .label { font-weight: 600; }
    ::slotted([slot='till-stripe-card']) { padding: 12px; border: 1px solid var(--_border); border-radius: var(--_radius); min-height: 20px; }
    .installments { display: grid; gap: 4px; font-size: 0.9rem; color: var(--_muted); }
    .installments select { font: inherit; padding: 8px; border-radius: var(--_radius); border: 1px solid var(--_border); }
    .success h2 { color: var(--_success); margin: 0 0 8px; }
  `,
];
