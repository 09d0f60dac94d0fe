export interface VyosApiErrorInit {
  /** `/retrieve`, `/configure`, … */
  endpoint: string;
  /** HTTP status, or null when no HTTP reply arrived (TLS, connection, timeout). */
  status: number | null;
  /** The router's `error` text, verbatim (the API key, if ever echoed, is masked). */
  serverError?: string | null;
  cause?: unknown;
}

/** Base of every error the VyOS API client throws. Messages never contain the API key. */
export class VyosApiError extends Error {
  override name = 'VyosApiError';
  readonly endpoint: string;
  readonly status: number | null;
  readonly serverError: string | null;

  constructor(message: string, init: VyosApiErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.endpoint = init.endpoint;
    this.status = init.status;
    this.serverError = init.serverError ?? null;
  }
}

/** 401 `Valid API key is required`: wrong key, or no `key` field in the form. */
export class VyosAuthError extends VyosApiError {
  override name = 'VyosAuthError';
}

/** 400: malformed request, invalid config path, or a failed commit; `serverError` is the router's own CLI text. */
export class VyosBadRequestError extends VyosApiError {
  override name = 'VyosBadRequestError';
}

/** 400 `Configuration under specified path is empty`: showConfig on a path with nothing under it. */
export class VyosEmptyConfigError extends VyosBadRequestError {
  override name = 'VyosEmptyConfigError';
}

/** 422: the form had no `data` field. */
export class VyosValidationError extends VyosApiError {
  override name = 'VyosValidationError';
}

/** 500 `An internal error occured…`: an unexpected exception on the router. */
export class VyosServerError extends VyosApiError {
  override name = 'VyosServerError';
}

/** 503 (API not configured, 1.4+), or the 1.3 quirk: HTTP 200 with only `{"error": "Start service…"}`. */
export class VyosUnavailableError extends VyosApiError {
  override name = 'VyosUnavailableError';
}

/** The reply was not the `{success, data, error}` envelope (not JSON, wrong shape, too large). */
export class VyosProtocolError extends VyosApiError {
  override name = 'VyosProtocolError';
}

/** No HTTP exchange: connection refused or reset, DNS failure, or TLS verification failure. */
export class VyosConnectionError extends VyosApiError {
  override name = 'VyosConnectionError';
  /** Node's error code, e.g. `ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT`. */
  readonly code: string | undefined;

  constructor(message: string, init: VyosApiErrorInit & { code?: string }) {
    super(message, init);
    this.code = init.code;
  }
}

/** The server's certificate did not match the pinned SHA-256 fingerprint; nothing was sent. */
export class VyosTlsPinError extends VyosConnectionError {
  override name = 'VyosTlsPinError';
  constructor(
    readonly expected: string,
    readonly actual: string,
    init: VyosApiErrorInit,
  ) {
    super(
      `VyOS API ${init.endpoint}: TLS certificate fingerprint mismatch: expected SHA-256 ${expected}, ` +
        `server presented ${actual}; connection closed before sending the request`,
      { ...init, code: 'ERR_TLS_PIN_MISMATCH' },
    );
  }
}

/** The request did not complete within `timeoutMs`. */
export class VyosTimeoutError extends VyosApiError {
  override name = 'VyosTimeoutError';
}
