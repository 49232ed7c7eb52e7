/** How a merchant configures the ACP endpoints (TillServerOptions.acp). */

export interface AcpPresentation {
  /** Policy links shown to the buyer (terms, privacy, returns…). */
  links?: { type: string; url: string; title?: string }[];
  /** The merchant's name of its processor, shown to agents in the payment handler. */
  psp?: string;
  /** Where the buyer can finish or look at this checkout in the merchant's own page. */
  continueUrl?: (sessionId: string) => string | undefined;
  /** The buyer's page for an order. */
  orderUrl: (orderId: string) => string;
}

export interface AcpOptions extends Partial<AcpPresentation> {
  /** Where the ACP endpoints are mounted, e.g. `/acp` (then `POST /acp/checkout_sessions`). */
  basePath: string;
}
