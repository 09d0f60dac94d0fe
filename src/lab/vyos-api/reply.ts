import type { ServerResponse } from 'node:http';
import { htmlEscapeNoQuote, pyJsonDumps } from './pyfmt.ts';

export type EmulatedVersion = '1.4' | '1.5-rolling';

/** What `/info` and `show version` say: rolling builds are named `YYYY.MM.DD-HHMM-rolling` by date. */
export const VERSION_STRINGS: Record<EmulatedVersion, string> = {
  '1.4': '1.4.3',
  '1.5-rolling': '2026.02.11-0021-rolling',
};

/** An error reply: the handler stops and the server sends `{success:false, error, data:null}`. */
export class ApiFailure extends Error {
  override name = 'ApiFailure';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Sic: "occured" is the upstream spelling ([V1x] routers.py). */
export const INTERNAL_ERROR_TEXT = 'An internal error occured. Check the logs for details.';

/**
 * Every reply is a `json.dumps` string sent as FastAPI `HTMLResponse`, hence text/html
 * (reference §1 "Response envelope"). Key order follows `error()` and `success()` upstream.
 */
export function sendEnvelope(
  res: ServerResponse,
  version: EmulatedVersion,
  status: number,
  outcome: { data: unknown } | { error: string },
): void {
  const body =
    'error' in outcome
      ? pyJsonDumps({
          success: false,
          // 1.5's error() HTML-escapes the message (quote=False); 1.4 sends it raw.
          error: version === '1.5-rolling' ? htmlEscapeNoQuote(outcome.error) : outcome.error,
          data: null,
        })
      : pyJsonDumps({ success: true, data: outcome.data, error: null });
  sendRaw(res, status, body, 'text/html; charset=utf-8');
}

export function sendRaw(res: ServerResponse, status: number, body: string, contentType: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** nginx answers these itself (API not configured → `return 503`; unknown location; body too big). */
export function sendNginxError(res: ServerResponse, status: 404 | 413 | 503): void {
  const reason = {
    404: 'Not Found',
    413: 'Request Entity Too Large',
    503: 'Service Temporarily Unavailable',
  }[status];
  const title = `${status} ${reason}`;
  const body = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
  sendRaw(res, status, body, 'text/html');
}
