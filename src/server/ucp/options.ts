export interface UcpPresentation {
  links?: { type: string; url: string; title?: string }[];
  orderUrl: (orderId: string) => string;
}

/** How a merchant configures the UCP checkout endpoint (TillServerOptions.ucp). */
export interface UcpOptions extends Partial<UcpPresentation> {
  /** Where the UCP REST endpoint is mounted, e.g. `/ucp` (then `POST /ucp/checkout-sessions`). */
  basePath: string;
}
