// Transport faults a client must survive (docs/shotgrid-wire.md §6.7 and the [inferred] knob list):
// throttling, gateway errors, an HTML 403 page, slow replies. Commit-order faults live
// on the store (`EventFaults`) because they shape what a query sees, not how it travels.

import { z } from 'zod';

const failSchema = z.object({
  status: z.union([z.literal(403), z.literal(415), z.literal(429), z.literal(500), z.literal(502), z.literal(503), z.literal(504)]),
  /** How many matching requests fail before this fault is used up. */
  count: z.number().int().positive().default(1),
  /** Only requests whose path contains this string. */
  path: z.string().optional(),
  /** Seconds, sent as `Retry-After` (429/503); absent = no header. */
  retryAfter: z.number().nonnegative().optional(),
  /** 403 as an HTML page instead of JSON, as some proxies and the api3 doc warn. */
  html: z.boolean().optional(),
});

export type HttpFault = z.infer<typeof failSchema>;

/** The body of `POST /_sandbox/faults`: each key present replaces (fail: appends). */
export const faultPatchSchema = z
  .object({
    fail: z.array(failSchema).optional(),
    slowMs: z.number().int().nonnegative().optional(),
    tokenTtl: z.number().int().positive().optional(),
    events: z
      .object({
        holdWrites: z.number().int().nonnegative(),
        holdMs: z.number().int().nonnegative(),
        delayEvery: z.number().int().nonnegative(),
        delayProbability: z.number().min(0).max(1),
        delayMs: z.number().int().nonnegative(),
        gapEvery: z.number().int().nonnegative(),
        gapSize: z.number().int().nonnegative(),
        skipIds: z.number().int().nonnegative(),
      })
      .partial()
      .optional(),
  })
  .strict();

export type FaultPatch = z.infer<typeof faultPatchSchema>;

export class HttpFaults {
  fail: HttpFault[] = [];
  slowMs = 0;

  /** The fault this request meets, if any (consumes one use). */
  take(path: string): HttpFault | null {
    const i = this.fail.findIndex((f) => !f.path || path.includes(f.path));
    if (i < 0) return null;
    const f = this.fail[i]!;
    f.count--;
    if (f.count <= 0) this.fail.splice(i, 1);
    return f;
  }

  reset(): void {
    this.fail = [];
    this.slowMs = 0;
  }
}

export const HTML_403 =
  '<!DOCTYPE html>\n<html><head><title>403 Forbidden</title></head>\n<body><h1>Forbidden</h1><p>API access to this site has been blocked.</p></body></html>\n';
