import type { ApiRequest } from './api-request.ts';
import { ApiFailure, type EmulatedVersion } from './reply.ts';
import type { EmulatedConfigSession } from './session.ts';
import { runShow, type ShowExtension } from './show.ts';

export interface HandlerContext {
  version: EmulatedVersion;
  hostname: string;
  session: EmulatedConfigSession;
  show?: ShowExtension;
}

const notValidOp = (op: string): ApiFailure => new ApiFailure(400, `'${op}' is not a valid operation`);

/** Runs a validated, authenticated request and returns the envelope's `data`. */
export async function dispatch(request: ApiRequest, ctx: HandlerContext): Promise<unknown> {
  const { session } = ctx;
  switch (request.endpoint) {
    case '/retrieve':
      return retrieve(request.body, ctx);
    case '/show':
      if (request.body.op !== 'show') throw notValidOp(request.body.op);
      return runShow(request.body.path, { ...ctx, running: session.running, extension: ctx.show });
    case '/configure': {
      const body = request.body;
      return session.exclusive(() => {
        if ('confirmOp' in body) {
          if (body.confirmOp !== 'confirm') throw notValidOp(body.confirmOp);
          return session.confirm();
        }
        return session.configure(body.commands, body.confirmTime);
      });
    }
    case '/config-file': {
      const { op, file, string, confirm_time: confirmTime } = request.body;
      const is15 = ctx.version === '1.5-rolling';
      return session.exclusive(() => {
        if (op === 'save') return session.save(file);
        if (op === 'load' || (is15 && op === 'merge')) {
          if (file && op === 'load') return session.load(file, confirmTime);
          if (is15 && (string || op === 'merge')) {
            // Inline config text and merge need the config.boot parser, which the emulator lacks.
            throw new ApiFailure(400, `emulator: '${op}' with inline 'string' or merge is not supported`);
          }
          throw new ApiFailure(
            400,
            is15 ? 'Missing required field "file | string"' : 'Missing required field "file"',
          );
        }
        if (is15 && op === 'confirm') return session.confirm();
        throw notValidOp(op);
      });
    }
  }
}

function retrieve(
  body: { op: string; path: string[]; configFormat?: string | null | undefined },
  ctx: HandlerContext,
): unknown {
  const tree = ctx.session.running;
  switch (body.op) {
    case 'returnValue':
      return tree.returnValue(body.path);
    case 'returnValues':
      return tree.returnValues(body.path);
    case 'exists':
      return tree.exists(body.path);
    case 'showConfig': {
      const json = tree.showConfig(body.path);
      // Reference §1: a valid but empty path is a 400, not `{}` (vyos-documentation PR #2152).
      if (json === undefined) throw new ApiFailure(400, 'Configuration under specified path is empty');
      const format = body.configFormat || 'json';
      if (format === 'json') return json;
      if (format === 'json_ast' || format === 'raw') {
        throw new ApiFailure(400, `emulator: configFormat '${format}' is not supported`);
      }
      throw new ApiFailure(400, `'${format}' is not a valid config format`);
    }
    default:
      throw notValidOp(body.op);
  }
}
