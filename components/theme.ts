/** Colours by meaning; every colour is undefined under NO_COLOR so no colour escape is ever produced. */
export interface Theme {
  readonly noColor: boolean;
  readonly ok: string | undefined;
  readonly warn: string | undefined;
  readonly error: string | undefined;
  readonly accent: string | undefined;
  readonly muted: string | undefined;
  readonly key: string | undefined;
}

export type ThemeColor = 'ok' | 'warn' | 'error' | 'accent' | 'muted' | 'key';

/** https://no-color.org: any non-empty NO_COLOR disables colour. */
export function noColorRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env['NO_COLOR'] ?? '') !== '';
}

export function createTheme(noColor: boolean): Theme {
  if (noColor)
    return {
      noColor,
      ok: undefined,
      warn: undefined,
      error: undefined,
      accent: undefined,
      muted: undefined,
      key: undefined,
    };
  return {
    noColor,
    ok: 'green',
    warn: 'yellow',
    error: 'red',
    accent: 'cyan',
    muted: 'gray',
    key: 'magenta',
  };
}
