/** A wizard's form as data and a pure reducer (the @inkjs/ui model): text fields and choice lists. */
export interface Choice {
  value: string;
  /** Shown after the value: a host's health. */
  note?: string;
  /** Shown in the error colour (an unreachable host is still listed: the service says why it refuses). */
  bad?: boolean;
  /** A device whose health is the note: drawn live from the store, not as it was when the wizard opened. */
  device?: string;
}

export interface Field {
  id: string;
  label: string;
  kind: 'text' | 'choice';
  /** Typed text: the value of a text field, the filter of a choice field. */
  text: string;
  choices: Choice[];
  /** The highlighted match of a choice field. */
  index: number;
  /** Choice fields the user cycles but does not type into (a mode toggle). */
  fixed?: boolean;
  hint?: string;
}

export interface FormState {
  fields: Field[];
  focus: number;
  error: string | null;
  /** While the service plans (it polls nothing, but a registry write may wait on another console). */
  busy: boolean;
}

export function textField(id: string, label: string, hint?: string): Field {
  return { id, label, kind: 'text', text: '', choices: [], index: 0, ...(hint ? { hint } : {}) };
}

export function choiceField(
  id: string,
  label: string,
  choices: Choice[],
  options: { fixed?: boolean; initial?: string } = {},
): Field {
  const index = Math.max(
    0,
    choices.findIndex((c) => c.value === options.initial),
  );
  return { id, label, kind: 'choice', text: '', choices, index, ...(options.fixed ? { fixed: true } : {}) };
}

export function initialForm(fields: Field[]): FormState {
  return { fields, focus: 0, error: null, busy: false };
}

/** Choices matching what was typed (substring, case-insensitive). */
export function matches(field: Field): Choice[] {
  const needle = field.text.toLowerCase();
  return needle ? field.choices.filter((c) => c.value.toLowerCase().includes(needle)) : field.choices;
}

/** A field's value: the highlighted match, else what was typed (the service then says what is wrong). */
export function fieldValue(field: Field): string {
  if (field.kind === 'text') return field.text.trim();
  const found = matches(field);
  return found[Math.min(field.index, found.length - 1)]?.value ?? field.text.trim();
}

export function formValues(state: FormState): Record<string, string> {
  return Object.fromEntries(state.fields.map((f) => [f.id, fieldValue(f)]));
}

export type FormAction =
  { type: 'key'; name: string } | { type: 'error'; message: string | null } | { type: 'busy'; busy: boolean };

function withField(state: FormState, change: (f: Field) => Field): FormState {
  const fields = state.fields.map((f, i) => (i === state.focus ? change(f) : f));
  return { ...state, fields, error: null };
}

export function formReducer(state: FormState, action: FormAction): FormState {
  if (action.type === 'error') return { ...state, error: action.message, busy: false };
  if (action.type === 'busy') return { ...state, busy: action.busy };
  const field = state.fields[state.focus];
  if (!field) return state;
  const { name } = action;
  const last = state.fields.length - 1;
  switch (name) {
    case 'tab':
    case 'down':
    case 'enter':
      return { ...state, focus: Math.min(last, state.focus + 1) };
    case 'up':
      return { ...state, focus: Math.max(0, state.focus - 1) };
    case 'left':
    case 'right':
    case ' ': {
      if (field.kind !== 'choice')
        return name === ' ' ? withField(state, (f) => ({ ...f, text: f.text + ' ' })) : state;
      const count = matches(field).length;
      if (count === 0) return state;
      const step = name === 'left' ? -1 : 1;
      return withField(state, (f) => ({
        ...f,
        index: (Math.min(f.index, count - 1) + step + count) % count,
      }));
    }
    case 'backspace':
      if (field.fixed) return state;
      return withField(state, (f) => ({ ...f, text: f.text.slice(0, -1), index: 0 }));
    case 'ctrl+u':
      if (field.fixed) return state;
      return withField(state, (f) => ({ ...f, text: '', index: 0 }));
    default:
      if ([...name].length !== 1 || name < ' ' || field.fixed) return state;
      return withField(state, (f) => ({ ...f, text: f.text + name, index: 0 }));
  }
}

/** Enter on the last field submits; elsewhere it moves on. */
export function submits(state: FormState, name: string): boolean {
  return name === 'enter' && state.focus === state.fields.length - 1;
}
