import { describe, expect, it } from 'vitest';
import { interpretReply } from '../../../src/transport/vyos-api/envelope.ts';
import {
  VyosApiError,
  VyosAuthError,
  VyosProtocolError,
  VyosUnavailableError,
} from '../../../src/transport/vyos-api/index.ts';

const KEY = 'k3y-that-must-not-leak';
const reply = (status: number, body: string) => ({ status, contentType: 'text/html; charset=utf-8', body });

function thrown(fn: () => unknown): VyosApiError {
  try {
    fn();
  } catch (e) {
    return e as VyosApiError;
  }
  throw new Error('expected a throw');
}

describe('interpretReply', () => {
  it('returns data on success, null when data is null', () => {
    expect(
      interpretReply('/retrieve', reply(200, '{"success": true, "data": {"a": "b"}, "error": null}'), KEY),
    ).toEqual({
      a: 'b',
    });
    expect(
      interpretReply('/configure', reply(200, '{"success": true, "data": null, "error": null}'), KEY),
    ).toBeNull();
  });

  it('treats the 1.3 quirk (HTTP 200, only an error) as unavailable', () => {
    const err = thrown(() =>
      interpretReply(
        '/retrieve',
        reply(200, '{"error": "Start service in configuration mode: set service https api"}'),
        KEY,
      ),
    );
    expect(err).toBeInstanceOf(VyosUnavailableError);
    expect(err.status).toBe(200);
    expect(err.serverError).toBe('Start service in configuration mode: set service https api');
  });

  it('treats success:false with HTTP 200 as an error', () => {
    const err = thrown(() =>
      interpretReply('/show', reply(200, '{"success": false, "error": "odd", "data": null}'), KEY),
    );
    expect(err).toBeInstanceOf(VyosApiError);
    expect(err.message).toContain('odd');
  });

  it('quotes the first 200 characters of a non-JSON body', () => {
    const body = `<html>${'x'.repeat(500)}</html>`;
    const err = thrown(() => interpretReply('/retrieve', reply(200, body), KEY));
    expect(err).toBeInstanceOf(VyosProtocolError);
    expect(err.message).toContain(JSON.stringify(body.slice(0, 200)));
    expect(err.message).not.toContain('x'.repeat(201));
  });

  it('maps status first, even with an nginx HTML body; unknown statuses stay VyosApiError', () => {
    expect(thrown(() => interpretReply('/retrieve', reply(503, '<html>503</html>'), KEY))).toBeInstanceOf(
      VyosUnavailableError,
    );
    const notFound = thrown(() => interpretReply('/retrieve', reply(404, '<html>404</html>'), KEY));
    expect(notFound.constructor).toBe(VyosApiError);
    expect(notFound.status).toBe(404);
  });

  it('masks the key if a server ever echoes it', () => {
    const err = thrown(() =>
      interpretReply(
        '/retrieve',
        reply(401, `{"success": false, "error": "bad key ${KEY}", "data": null}`),
        KEY,
      ),
    );
    expect(err).toBeInstanceOf(VyosAuthError);
    expect(err.message).not.toContain(KEY);
    expect(err.serverError).toBe('bad key ***');
  });

  it('masks the key inside returned data, however the JSON text escapes it', () => {
    const escaped = [...KEY].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
    const forms = {
      literal: KEY,
      // Every character \u-escaped: the text itself never spells the key.
      unicode: escaped,
      // Only the first character escaped, the rest as is.
      first: `\\u${KEY.charCodeAt(0).toString(16).padStart(4, '0')}${KEY.slice(1)}`,
      // URL-encoded, its first `%` JSON-escaped: the text matches no form of the key, the string does.
      percentEscaped: `\\u0025${KEY.charCodeAt(0).toString(16).toUpperCase()}${KEY.slice(1)}`,
      // An escape elsewhere in the text, the key plain in a key name.
      keyName: 'x',
    };
    for (const [name, form] of Object.entries(forms)) {
      const data =
        name === 'keyName'
          ? `{"description": "a\\tb", "${KEY}": "v"}`
          : `{"interfaces": {"eth0": {"description": "before ${form} after"}}}`;
      const out = JSON.stringify(
        interpretReply('/retrieve', reply(200, `{"success": true, "data": ${data}, "error": null}`), KEY),
      );
      expect(out, name).not.toContain(KEY);
      expect(out, name).toContain('***');
    }
  });

  it('returns a config with no key in it exactly as sent (nothing masked, nothing lost)', () => {
    const data = {
      vrf: Object.fromEntries(
        Array.from({ length: 50 }, (_, i) => [
          `t${i}`,
          {
            table: String(1000 + i),
            protocols: { bgp: { neighbor: { [`fe80::${i}`]: { 'remote-as': 'external' } } } },
          },
        ]),
      ),
      description: 'k3y-that-must-not (close, but not the key)',
      escaped: 'tab\there',
    };
    for (const value of [data, { ...data, escaped: undefined }]) {
      const text = JSON.stringify({ success: true, data: value, error: null });
      expect(interpretReply('/retrieve', reply(200, text), KEY)).toEqual(JSON.parse(text).data);
    }
  });
});
