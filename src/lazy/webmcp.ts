/**
 * WebMCP: when the page offers the browser's model-context API (`document.modelContext`, the W3C
 * Web Machine Learning CG draft; `navigator.modelContext` in older previews), `<till-checkout>`
 * registers its own actions as tools, so an in-page agent drives exactly what the shopper sees,
 * through the same store. Paying through this path always needs the shopper's explicit
 * confirmation in the widget: the agent's `pay` opens a dialog there and waits for the click.
 * Loaded on demand, only where the API exists.
 */
import { formatMoney } from '../core/money/money';
import type { CheckoutState } from '../store/types';

interface ModelContextClient {
  requestUserInteraction?(callback: () => Promise<unknown>): Promise<unknown>;
}
interface ModelContextTool {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  annotations?: { readOnlyHint?: boolean };
  execute(input: Record<string, unknown>, client?: ModelContextClient): Promise<unknown>;
}
interface ModelContext {
  registerTool(tool: ModelContextTool, options?: { signal?: AbortSignal }): unknown;
  unregisterTool?(name: string): void;
}

/** The browser's model-context API, if this page has one. */
export function modelContext(): ModelContext | undefined {
  const d = (globalThis as { document?: { modelContext?: ModelContext } }).document?.modelContext;
  const n = (globalThis as { navigator?: { modelContext?: ModelContext } }).navigator?.modelContext;
  return d ?? n;
}

/** What the tools need of the element: its store, its shadow root and its Pay button. */
export interface WebMcpHost {
  readonly checkout: { getState(): CheckoutState; subscribe(l: (s: CheckoutState) => void): () => void };
  readonly renderRoot: ParentNode & Node;
}

const text = (value: unknown) => ({ content: [{ type: 'text', text: JSON.stringify(value) }] });
const refuse = (message: string) => ({ content: [{ type: 'text', text: message }], isError: true });

function view(s: CheckoutState) {
  return {
    phase: s.phase,
    lines: s.session?.lines.map((l) => ({ product: l.name, productId: l.productId, quantity: l.quantity, unitPrice: l.unitPrice })) ?? [],
    total: s.quote ? { amount: s.quote.total, currency: s.quote.currency } : undefined,
    coupons: s.quote?.applied.map((a) => a.code) ?? [],
    method: s.method,
    ...(s.result ? { paid: { orderId: s.result.orderId, amount: s.result.amount } } : {}),
    ...(s.action ? { pending: s.action.action.type } : {}),
    ...(s.failure ? { problem: { code: s.failure.code, message: s.failure.message } } : {}),
  };
}

/** Resolves with the state once `done(state)` holds (or at once if it already does). */
function until(host: WebMcpHost, done: (s: CheckoutState) => boolean): Promise<CheckoutState> {
  return new Promise((resolve) => {
    const now = host.checkout.getState();
    if (done(now)) return resolve(now);
    const stop = host.checkout.subscribe((s) => {
      if (done(s)) {
        stop();
        resolve(s);
      }
    });
  });
}

/**
 * Asks the shopper, in the widget, whether the agent may pay: a modal dialog with the amount and
 * method and two buttons. Only a click on "Pay" confirms.
 */
function confirmInWidget(host: WebMcpHost, label: string, amount: string): Promise<boolean> {
  return new Promise((resolve) => {
    const dialog = document.createElement('dialog');
    dialog.setAttribute('part', 'agent-confirm');
    dialog.setAttribute('aria-labelledby', 'till-agent-confirm-title');
    const title = document.createElement('p');
    title.id = 'till-agent-confirm-title';
    title.textContent = `Your assistant asks to pay ${amount} with ${label}.`;
    const yes = document.createElement('button');
    yes.type = 'button';
    yes.className = 'pay';
    yes.setAttribute('part', 'agent-confirm-pay');
    yes.textContent = `Pay ${amount}`;
    const no = document.createElement('button');
    no.type = 'button';
    no.className = 'secondary';
    no.setAttribute('part', 'agent-confirm-decline');
    no.textContent = 'Not now';
    const done = (ok: boolean) => {
      dialog.close();
      dialog.remove();
      resolve(ok);
    };
    yes.addEventListener('click', () => done(true));
    no.addEventListener('click', () => done(false));
    dialog.addEventListener('cancel', () => done(false));
    dialog.append(title, yes, no);
    host.renderRoot.appendChild(dialog);
    dialog.showModal();
  });
}

/** Registers the widget's tools; aborting the returned controller removes them. */
export function registerCheckoutTools(host: WebMcpHost): AbortController | undefined {
  const mc = modelContext();
  if (!mc) return undefined;
  const controller = new AbortController();
  const state = () => host.checkout.getState();
  /** While the shopper is asked to confirm a payment, the agent may change nothing. */
  let confirming = false;
  const busy = () => refuse('The shopper is confirming a payment; nothing can change until they answer.');
  const tools: ModelContextTool[] = [
    {
      name: 'till_get_checkout',
      description: 'The checkout on this page as the shopper sees it: items, total, applied coupons, chosen payment method, payment status.',
      inputSchema: { type: 'object', properties: {} },
      annotations: { readOnlyHint: true },
      execute: async () => text(view(state())),
    },
    {
      name: 'till_list_payment_methods',
      description: 'Payment methods of this checkout, best first, with the reason each is ranked there and its total.',
      inputSchema: { type: 'object', properties: {} },
      annotations: { readOnlyHint: true },
      execute: async () => {
        const s = state();
        const session = s.session;
        if (!session) return refuse('The checkout is not loaded yet.');
        return text(
          s.ranked.map((r) => {
            const q = session.methodQuotes.find((x) => x.method === r.method) ?? session.quote;
            return { method: r.method, label: session.methods.find((m) => m.id === r.method)?.label, reason: r.reason, total: { amount: q.total, currency: session.currency } };
          }),
        );
      },
    },
    {
      name: 'till_select_payment_method',
      description: 'Selects a payment method in the checkout (as if the shopper picked it).',
      inputSchema: { type: 'object', properties: { method: { type: 'string', maxLength: 40 } }, required: ['method'] },
      execute: async (input) => {
        if (confirming) return busy();
        const method = String(input.method ?? '');
        if (!state().session?.methods.some((m) => m.id === method)) return refuse(`${method} is not offered here.`);
        state().selectMethod(method);
        return text(view(await until(host, (s) => !s.repricing)));
      },
    },
    {
      name: 'till_apply_coupon',
      description: 'Applies a coupon code the shopper has; says why when it does not apply.',
      inputSchema: { type: 'object', properties: { code: { type: 'string', maxLength: 64 } }, required: ['code'] },
      execute: async (input) => {
        if (confirming) return busy();
        await state().applyCode(String(input.code ?? '').slice(0, 64));
        return text({ ...view(state()), codeResult: state().codeResult });
      },
    },
    {
      name: 'till_remove_coupon',
      description: 'Removes an applied coupon code.',
      inputSchema: { type: 'object', properties: { code: { type: 'string', maxLength: 64 } }, required: ['code'] },
      execute: async (input) => {
        if (confirming) return busy();
        await state().removeCode(String(input.code ?? '').toUpperCase().slice(0, 64));
        return text(view(state()));
      },
    },
    {
      name: 'till_pay',
      description: 'Pays the shown total with the selected method, as the Pay button does. The shopper must confirm it in the checkout first; card details are only ever typed by the shopper.',
      inputSchema: { type: 'object', properties: {} },
      execute: async (_input, client) => {
        const s = state();
        const button = host.renderRoot.querySelector<HTMLButtonElement>('[part="pay-button"]');
        if (s.phase !== 'ready' || !s.quote || !s.method || !button || button.disabled) return refuse(`The checkout cannot be paid now (${s.phase}).`);
        const label = s.session?.methods.find((m) => m.id === s.method)?.label ?? s.method;
        const amount = formatMoney({ amount: s.quote.total, currency: s.quote.currency }, s.session?.locale ?? 'en');
        if (confirming) return busy();
        const ask = () => confirmInWidget(host, label, amount);
        confirming = true;
        let ok: boolean;
        try {
          ok = client?.requestUserInteraction ? ((await client.requestUserInteraction(ask)) as boolean) : await ask();
        } finally {
          confirming = false;
        }
        if (!ok) return refuse('The shopper did not confirm the payment. Nothing was charged.');
        // What is paid must be what the shopper confirmed: same checkout, method and total.
        const now = state();
        if (now.session?.id !== s.session?.id || now.method !== s.method || now.quote?.total !== s.quote.total || now.phase !== 'ready') {
          return refuse('The checkout changed while the shopper was confirming. Nothing was charged; ask again.');
        }
        // The shopper's own Pay, with what they typed (the card form tokenizes it in the page).
        button.click();
        const after = await until(host, (x) => x.phase !== 'paying');
        return text(view(after));
      },
    },
  ];
  for (const tool of tools) mc.registerTool(tool, { signal: controller.signal });
  // Previews without AbortSignal support unregister by name.
  controller.signal.addEventListener('abort', () => {
    for (const tool of tools) {
      try {
        mc.unregisterTool?.(tool.name);
      } catch {
        // already gone
      }
    }
  });
  return controller;
}

declare module '../core/lazy' {
  interface LazyModules {
    /** WebMCP tools of the widget, only where the page has the model-context API. */
    webmcp: () => Promise<typeof import('./webmcp')>;
  }
}
