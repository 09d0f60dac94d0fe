export {
  VyosApiClient,
  type ConfigFormat,
  type ConfigureResult,
  type VyosApiClientOptions,
  type VyosCommand,
  type VyosInfo,
} from './client.ts';
export {
  VyosApiError,
  VyosAuthError,
  VyosBadRequestError,
  VyosConnectionError,
  VyosEmptyConfigError,
  VyosProtocolError,
  VyosServerError,
  VyosTimeoutError,
  VyosTlsPinError,
  VyosUnavailableError,
  VyosValidationError,
  type VyosApiErrorInit,
} from './errors.ts';
export { normalizeFingerprint } from './tls-trust.ts';
