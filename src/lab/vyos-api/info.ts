const TRUE = new Set(['1', 'true', 'yes', 'on', 't', 'y']);
const FALSE = new Set(['0', 'false', 'no', 'off', 'f', 'n']);

/**
 * `GET /info` (1.5 rolling only): no authentication; `version` and `hostname` query params take
 * booleans and any other param is rejected ([V1x] models.py `InfoQueryParams`, extra=forbid).
 */
export function infoReply(
  params: URLSearchParams,
  hostname: string,
  version: string,
  banner = 'Welcome to VyOS',
): { status: number; outcome: { data: unknown } | { error: string } } {
  const include = { version: true, hostname: true };
  for (const [name, raw] of params) {
    if (name !== 'version' && name !== 'hostname') {
      return {
        status: 400,
        outcome: {
          error: `{'type': 'extra_forbidden', 'loc': ('query', '${name}'), 'msg': 'Extra inputs are not permitted'}`,
        },
      };
    }
    const v = raw.toLowerCase();
    if (!TRUE.has(v) && !FALSE.has(v)) {
      return {
        status: 400,
        outcome: {
          error: `{'type': 'bool_parsing', 'loc': ('query', '${name}'), 'msg': 'Input should be a valid boolean, unable to interpret input'}`,
        },
      };
    }
    include[name] = TRUE.has(v);
  }
  // A key the query turns off is sent as "", not dropped (issue 14, from upstream rest/routers.py `info`).
  const data = {
    version: include.version ? version : '',
    hostname: include.hostname ? hostname : '',
    banner,
  };
  return { status: 200, outcome: { data } };
}
