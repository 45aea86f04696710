/** Pure pricing logic for an order quote: no I/O, no state. Amounts are integer cents. */

export interface QuoteRequest {
  name: string;
  quantity: number;
  unitPriceCents: number;
  /** Whole percent, 0 to 100. */
  discountPercent?: number;
}

export interface Quote {
  name: string;
  quantity: number;
  unitPriceCents: number;
  subtotalCents: number;
  discountCents: number;
  totalCents: number;
}

export function quoteOrder(request: QuoteRequest): Quote {
  const subtotalCents = request.quantity * request.unitPriceCents;
  if (!Number.isSafeInteger(subtotalCents)) throw new RangeError('subtotal exceeds the supported range');
  // Round half up in the customer's favour: the discount is rounded, the total follows from it.
  const discountCents = Math.round((subtotalCents * (request.discountPercent ?? 0)) / 100);
  return {
    name: request.name,
    quantity: request.quantity,
    unitPriceCents: request.unitPriceCents,
    subtotalCents,
    discountCents,
    totalCents: subtotalCents - discountCents,
  };
}
