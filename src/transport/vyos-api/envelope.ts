import { z } from 'zod';
import {
  VyosApiError,
  VyosAuthError,
  VyosBadRequestError,
  VyosEmptyConfigError,
  VyosProtocolError,
  VyosServerError,
  VyosUnavailableError,
  VyosValidationError,
  type VyosApiErrorInit,
} from './errors.ts';
import type { HttpReply } from './http.ts';
import { secretPattern } from '../secrets.ts';

/**
 * `{success, data, error}` (reference §1). Every field is optional here because the 1.3 nginx
 * quirk sends only `{"error": …}` with HTTP 200 when the API is not configured.
 */
const Envelope = z.object({
  success: z.boolean().optional(),
  data: z.unknown().optional(),
  error: z.string().nullable().optional(),
});

const STATUS_CLASSES: Record<number, new (message: string, init: VyosApiErrorInit) => VyosApiError> = {
  400: VyosBadRequestError,
  401: VyosAuthError,
  422: VyosValidationError,
  500: VyosServerError,
  503: VyosUnavailableError,
};

/** Replaces every occurrence of the key, in any encoding, in case a server ever echoes it back. */
export function maskSecret(text: string, secret: string): string {
  return keyMasker(secret)(text);
}

// Built once per reply, not per string: maskDeep visits thousands, and building the pattern took
// ~15 % of a `get devices --lab` (issue 16, CLI start).
function keyMasker(secret: string): (text: string) => string {
  const source = secretPattern(secret);
  if (source === '') return (text) => text;
  const pattern = new RegExp(source, 'g');
  return (text) => text.replace(pattern, '***');
}

const snippet = (body: string): string => JSON.stringify(body.slice(0, 200));

/** Returns the envelope's `data`, or throws the typed error for the status and body. */
/** Masks every string inside parsed JSON (a config read back can hold the key itself). */
function maskDeep(value: unknown, mask: (text: string) => string): unknown {
  if (typeof value === 'string') return mask(value);
  if (Array.isArray(value)) return value.map((item) => maskDeep(item, mask));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [mask(k), maskDeep(v, mask)]));
  return value;
}

export function interpretReply(endpoint: string, reply: HttpReply, key: string): unknown {
  // Parsed before masking: masking JSON text could cut an escape in half and break the reply;
  // every string taken from it is masked instead, in every encoding the key may be echoed in.
  const mask = keyMasker(key);
  const body = mask(reply.body);
  // A text with no escape in it and no key in any encoding: every string the JSON holds is a piece of
  // that text as it is, so none holds the key — parsed without copying each one through the mask (a
  // router's 2.4 MB VRF config read after a switch: ~200 ms of a loaded console, a migration's window).
  const plain = body === reply.body && !reply.body.includes('\\');
  let json: unknown;
  try {
    json = plain ? JSON.parse(reply.body) : maskDeep(JSON.parse(reply.body), mask);
  } catch {
    json = undefined;
  }
  const parsed = Envelope.safeParse(json);
  const envelope = parsed.success ? parsed.data : undefined;
  const serverError = envelope?.error ?? null;
  const init = { endpoint, status: reply.status, serverError };

  if (reply.status !== 200) {
    // nginx error pages (503 "API not configured", 404, 413) are HTML, not the JSON envelope.
    const title = /<title>([^<]{1,120})<\/title>/i.exec(body)?.[1]?.trim();
    const detail =
      serverError ??
      (title
        ? `${title} (web server error page${reply.status === 503 ? ': is the API service running?' : ''})`
        : `non-JSON reply ${snippet(body)}`);
    const message = `VyOS API ${endpoint}: HTTP ${reply.status}: ${detail}`;
    if (reply.status === 400 && serverError?.includes('Configuration under specified path is empty')) {
      throw new VyosEmptyConfigError(message, init);
    }
    const ErrorClass = STATUS_CLASSES[reply.status] ?? VyosApiError;
    throw new ErrorClass(message, init);
  }
  if (!envelope) {
    const what =
      json === undefined ? 'a non-JSON reply' : 'JSON that is not the {success, data, error} envelope';
    throw new VyosProtocolError(`VyOS API ${endpoint}: HTTP 200 with ${what}: ${snippet(body)}`, init);
  }
  if (envelope.success === true) return envelope.data ?? null;
  if (envelope.success === undefined && serverError !== null) {
    // VyOS 1.3: nginx maps 501/502/503 to HTTP 200 + {"error": "Start service in configuration mode…"}.
    throw new VyosUnavailableError(`VyOS API ${endpoint}: API not available: ${serverError}`, init);
  }
  throw new VyosApiError(
    `VyOS API ${endpoint}: request failed: ${serverError ?? 'success is not true'}`,
    init,
  );
}
