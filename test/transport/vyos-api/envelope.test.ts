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
});
