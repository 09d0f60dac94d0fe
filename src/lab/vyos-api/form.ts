import type { IncomingMessage } from 'node:http';

/** nginx in front of VyOS rejects big bodies with 413 before FastAPI sees them. */
export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
}

/** A multipart body FastAPI's parser refuses; VyOS answers 400 with this text. */
export class MultipartError extends Error {
  override name = 'MultipartError';
}

/** Reads the whole request body, failing once it grows past `maxBytes`. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the cap, keep draining (so the 413 reply can still be sent) but keep nothing.
      if (size > maxBytes) reject(new BodyTooLargeError(`request body larger than ${maxBytes} bytes`));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Form fields in arrival order, like Starlette's `FormData.multi_items()`. */
export type FormFields = Array<[name: string, value: string]>;

const MAX_FIELDS = 1000;

function mediaType(contentType: string | undefined): { type: string; params: Map<string, string> } {
  const [type = '', ...rest] = (contentType ?? '').split(';');
  const params = new Map<string, string>();
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    const v = p.slice(eq + 1).trim();
    params.set(
      p.slice(0, eq).trim().toLowerCase(),
      v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v,
    );
  }
  return { type: type.trim().toLowerCase(), params };
}

/**
 * Parses a form body, or returns undefined when the body is not a form. VyOS then treats the
 * body as JSON whatever the Content-Type says ([V1x] `MultipartRequest.headers` forces
 * application/json).
 */
export function parseForm(contentType: string | undefined, body: Buffer): FormFields | undefined {
  const { type, params } = mediaType(contentType);
  if (type === 'application/x-www-form-urlencoded') {
    const fields = [...new URLSearchParams(body.toString('utf8'))];
    if (fields.length > MAX_FIELDS) throw new MultipartError('Too many fields.');
    return fields;
  }
  if (type === 'multipart/form-data') {
    const boundary = params.get('boundary');
    if (!boundary) throw new MultipartError('Missing boundary in multipart.');
    return parseMultipart(body, boundary);
  }
  return undefined;
}

function partName(headerBlock: string): string | undefined {
  for (const line of headerBlock.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.slice(0, colon).trim().toLowerCase() !== 'content-disposition') continue;
    const value = line.slice(colon + 1);
    const m = /;\s*name="((?:[^"\\]|\\.)*)"/i.exec(value) ?? /;\s*name=([^;\s]+)/i.exec(value);
    return m?.[1]?.replace(/\\(.)/g, '$1');
  }
  return undefined;
}

/** A small RFC 7578 parser: enough for curl `-F`, Python `requests` and undici `FormData`. */
function parseMultipart(body: Buffer, boundary: string): FormFields {
  const delimiter = Buffer.from(`--${boundary}`);
  const nextDelimiter = Buffer.from(`\r\n--${boundary}`);
  const fields: FormFields = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw new MultipartError('Missing initial boundary in multipart.');
  for (;;) {
    pos += delimiter.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return fields; // closing `--boundary--`
    if (body[pos] !== 0x0d || body[pos + 1] !== 0x0a)
      throw new MultipartError('Malformed multipart boundary.');
    const headerEnd = body.indexOf('\r\n\r\n', pos + 2);
    if (headerEnd < 0) throw new MultipartError('Malformed multipart part headers.');
    const end = body.indexOf(nextDelimiter, headerEnd + 4);
    if (end < 0) throw new MultipartError('Missing final boundary in multipart.');
    const name = partName(body.subarray(pos + 2, headerEnd).toString('latin1'));
    if (name === undefined) throw new MultipartError('Missing Content-Disposition name in multipart part.');
    fields.push([name, body.subarray(headerEnd + 4, end).toString('utf8')]);
    if (fields.length > MAX_FIELDS) throw new MultipartError('Too many fields.');
    pos = end + 2;
  }
}
