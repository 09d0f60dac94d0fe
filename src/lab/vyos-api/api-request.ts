import { z } from 'zod';
import { parseForm, type FormFields } from './form.ts';
import { pyRepr } from './pyfmt.ts';
import { ApiFailure, type EmulatedVersion } from './reply.ts';

export type PostEndpoint = '/retrieve' | '/configure' | '/config-file' | '/show';

const str = z.string();
const optStr = z.string().nullish();
const pathList = z.array(z.string());
const baseConfigure = z.object({ op: str, path: pathList.min(1), value: optStr });

/** The pydantic models of [V1x] rest/models.py; unknown fields are ignored, as pydantic does. */
function models(version: EmulatedVersion) {
  // confirm_time exists only on 1.5 rolling (T3955); 1.4 ignores the field and commits for good.
  const confirmTime: z.ZodType<number> =
    version === '1.5-rolling'
      ? z.int().default(0)
      : z
          .unknown()
          .optional()
          .transform(() => 0);
  return {
    retrieve: z.object({ key: str, op: str, path: pathList, configFormat: optStr }),
    show: z.object({ key: str, op: str, path: pathList }),
    configFile: z.object({ key: str, op: str, file: optStr, string: optStr, confirm_time: confirmTime }),
    configure: z.object({ key: str, ...baseConfigure.shape, confirm_time: confirmTime }),
    configureList: z.object({ key: str, commands: z.array(baseConfigure), confirm_time: confirmTime }),
    confirm: z.object({ key: str, op: str }),
  };
}

type Models = ReturnType<typeof models>;
export type ConfigureCommandBody = z.infer<typeof baseConfigure>;
export type ApiRequest =
  | { endpoint: '/retrieve'; body: z.infer<Models['retrieve']> }
  | { endpoint: '/show'; body: z.infer<Models['show']> }
  | { endpoint: '/config-file'; body: z.infer<Models['configFile']> }
  | { endpoint: '/configure'; body: { commands: ConfigureCommandBody[]; confirmTime: number; key: string } }
  | { endpoint: '/configure'; body: { confirmOp: string; key: string } };

/**
 * Turns a raw body into a validated request, in the order VyOS checks things: form decoding
 * errors ([V1x] `MultipartRequest.body`), then model validation (400, `str()` of the first
 * pydantic error). The key is checked afterwards by the caller (401).
 */
export function decodeApiRequest(
  endpoint: PostEndpoint,
  version: EmulatedVersion,
  contentType: string | undefined,
  raw: Buffer,
): ApiRequest {
  let form: FormFields | undefined;
  try {
    form = parseForm(contentType, raw);
  } catch (e) {
    throw new ApiFailure(400, (e as Error).message);
  }
  let body: unknown;
  if (form && form.length > 0) body = mergeForm(endpoint, form);
  else if (raw.length === 0) throw new ApiFailure(400, pydanticError('missing', [], 'Field required'));
  else {
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new ApiFailure(400, pydanticError('json_invalid', [0], 'JSON decode error'));
    }
  }
  return validate(endpoint, version, body);
}

function validate(endpoint: PostEndpoint, version: EmulatedVersion, body: unknown): ApiRequest {
  const m = models(version);
  switch (endpoint) {
    case '/retrieve':
      return { endpoint, body: parseOrFail(m.retrieve, body) };
    case '/show':
      return { endpoint, body: parseOrFail(m.show, body) };
    case '/config-file':
      return { endpoint, body: parseOrFail(m.configFile, body) };
    case '/configure': {
      // pydantic tries Union[ConfigureModel, ConfigureListModel, ConfirmModel] in order.
      const single = m.configure.safeParse(body);
      if (single.success) {
        const { key, confirm_time, ...command } = single.data;
        return { endpoint, body: { key, commands: [command], confirmTime: confirm_time } };
      }
      const list = m.configureList.safeParse(body);
      if (list.success) {
        const { key, commands, confirm_time } = list.data;
        return { endpoint, body: { key, commands, confirmTime: confirm_time } };
      }
      const confirm = m.confirm.safeParse(body);
      // ConfirmModel is part of the union only on 1.5 rolling.
      if (confirm.success && version === '1.5-rolling') {
        return { endpoint, body: { key: confirm.data.key, confirmOp: confirm.data.op } };
      }
      const hasCommands = typeof body === 'object' && body !== null && 'commands' in body;
      throw failure(hasCommands ? list.error : single.error, body);
    }
  }
}

function parseOrFail<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) throw failure(r.error, body);
  return r.data;
}

/** Mirrors the explicit checks of `MultipartRequest.body()`; the first error wins. */
function mergeForm(endpoint: PostEndpoint, form: FormFields): Record<string, unknown> {
  const fields = new Map(form);
  const data = fields.get('data');
  if (data === undefined) throw new ApiFailure(422, 'Non-empty data field is required');
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch (e) {
    throw new ApiFailure(400, `Failed to parse JSON: ${(e as Error).message}`);
  }
  // A list in `data` is wrapped into `commands` (reference §1 "Several commands").
  const merge: Record<string, unknown> = Array.isArray(parsed)
    ? { commands: parsed }
    : isRecord(parsed)
      ? { ...parsed }
      : {};
  const cmds: unknown[] = Array.isArray(parsed)
    ? parsed
    : isRecord(parsed) && 'commands' in parsed
      ? Array.isArray(parsed.commands)
        ? parsed.commands
        : [parsed.commands]
      : [parsed];
  for (const c of cmds) {
    const text = `Malformed command '${pyRepr(c)}'`;
    if (!isRecord(c)) throw new ApiFailure(400, `${text}: any command must be JSON of dict`);
    if (!('op' in c)) throw new ApiFailure(400, `${text}: missing 'op' field`);
    // Only /config-file (and image endpoints) skip the path checks. So a form `{"op":"confirm"}`
    // must go to /config-file: on /configure it fails here, even on 1.5 rolling.
    if (endpoint !== '/config-file') {
      if (!('path' in c)) throw new ApiFailure(400, `${text}: missing 'path' field`);
      if (!Array.isArray(c.path)) throw new ApiFailure(400, `${text}: 'path' field must be a list`);
      if (!c.path.every((p) => typeof p === 'string')) {
        // Sic: upstream formats the literal 0 here instead of the command.
        throw new ApiFailure(400, `Malformed command '0': 'path' field must be a list of strings`);
      }
    }
    if (endpoint === '/configure') {
      if (Array.isArray(c.path) && c.path.length === 0) {
        throw new ApiFailure(400, `${text}: 'path' list must be non-empty`);
      }
      if ('value' in c && typeof c.value !== 'string') {
        throw new ApiFailure(400, `${text}: 'value' field must be a string`);
      }
    }
  }
  const formKey = fields.get('key');
  if (formKey === undefined && !('key' in merge)) throw new ApiFailure(401, 'Valid API key is required');
  if (formKey !== undefined && !('key' in merge)) merge.key = formKey;
  return merge;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const p of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

const PYDANTIC_TYPES: Record<string, [type: string, msg: string]> = {
  string: ['string_type', 'Input should be a valid string'],
  array: ['list_type', 'Input should be a valid list'],
  int: ['int_type', 'Input should be a valid integer'],
  number: ['int_type', 'Input should be a valid integer'],
  object: ['model_attributes_type', 'Input should be a valid dictionary or object to extract fields from'],
};

/** `str()` of a pydantic v2 error dict, without the `input` (which could echo the key). */
function failure(error: z.ZodError, body: unknown): ApiFailure {
  const issue = error.issues[0];
  if (!issue) return new ApiFailure(400, pydanticError('value_error', [], 'Invalid request'));
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  if (valueAt(body, issue.path) === undefined)
    return new ApiFailure(400, pydanticError('missing', path, 'Field required'));
  if (issue.code === 'too_small') {
    return new ApiFailure(400, pydanticError('value_error', path, 'Value error, path must be non-empty'));
  }
  const [type, msg] = (issue.code === 'invalid_type' && PYDANTIC_TYPES[issue.expected]) || [
    'value_error',
    issue.message,
  ];
  return new ApiFailure(400, pydanticError(type, path, msg));
}

function pydanticError(type: string, path: ReadonlyArray<string | number>, msg: string): string {
  const loc = ['body', ...path].map(pyRepr);
  return `{'type': '${type}', 'loc': (${loc.join(', ')}${loc.length === 1 ? ',' : ''}), 'msg': '${msg}'}`;
}
