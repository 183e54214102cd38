// Forms whose API errors land beside the field they name, in the API's own words.
import { ApiFailure } from './api.js';
import { errorBox, h, statusLine, uid } from './dom.js';

export interface FieldSpec {
  readonly name: string;
  readonly label: string;
  readonly type?: 'text' | 'number' | 'password' | 'select' | 'search' | 'datetime-local';
  readonly options?: readonly (string | readonly [value: string, label: string])[];
  readonly value?: string | number | null;
  readonly required?: boolean;
  readonly readonly?: boolean;
  readonly hint?: string;
  readonly placeholder?: string;
  readonly autocomplete?: string;
  readonly inputmode?: string;
}

export interface FormSpec {
  readonly label: string;
  readonly fields: readonly FieldSpec[];
  readonly submit: string;
  readonly className?: string;
  /** Returns the success message to announce (or nothing). Throwing an ApiFailure shows it. */
  onSubmit(values: Record<string, string>, form: HTMLFormElement): Promise<string | void>;
}

/** The words shown for an API failure: "Invalid parameter (1002): nso_code: must be one of ANY-ANY". */
export function failureText(err: unknown): string {
  if (err instanceof ApiFailure) {
    const head = err.message.split(': ')[0];
    // Some descriptions repeat the message ("Authorization failed: …"): say it once.
    const rest = err.description.startsWith(`${head}: `) ? err.description.slice(head.length + 2) : err.description;
    return err.code ? `${head} (${err.code}): ${rest}` : `${head}: ${rest}`;
  }
  return (err as Error).message ?? String(err);
}

function control(f: FieldSpec, id: string, hintId: string | undefined): HTMLInputElement | HTMLSelectElement {
  const common = { id, name: f.name, 'aria-describedby': hintId, required: f.required, readonly: f.readonly };
  if (f.type === 'select') {
    return h('select', common, (f.options ?? []).map((o) => {
      const [value, label] = typeof o === 'string' ? [o, o] : o;
      return h('option', { value, selected: String(f.value ?? '') === value }, label);
    }));
  }
  return h('input', {
    ...common, type: f.type ?? 'text', value: f.value === null || f.value === undefined ? undefined : String(f.value),
    placeholder: f.placeholder, autocomplete: f.autocomplete ?? 'off', inputmode: f.inputmode, spellcheck: 'false',
  });
}

export function apiForm(spec: FormSpec): HTMLFormElement {
  const status = statusLine();
  const formError = h('div', { class: 'form-error' });
  const rows = spec.fields.map((f) => {
    const id = uid(`f-${f.name}`);
    const hintId = f.hint ? `${id}-hint` : undefined;
    const errId = `${id}-error`;
    const input = control(f, id, hintId);
    const err = h('p', { class: 'field-error', id: errId, role: 'alert', hidden: true });
    return {
      f, input, err,
      el: h('div', { class: 'field' },
        h('label', { for: id }, f.label, f.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
        input,
        f.hint ? h('small', { id: hintId }, f.hint) : null,
        err),
    };
  });
  const button = h('button', { type: 'submit' }, spec.submit);
  const form = h('form', { class: `api-form ${spec.className ?? ''}`, 'aria-label': spec.label, novalidate: true },
    h('fieldset', {}, h('legend', {}, spec.label), rows.map((r) => r.el), h('div', { class: 'actions' }, button)),
    formError, status);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    for (const r of rows) {
      r.err.hidden = true;
      r.err.textContent = '';
      r.input.removeAttribute('aria-invalid');
      r.input.setAttribute('aria-describedby', [r.f.hint ? `${r.input.id}-hint` : ''].filter(Boolean).join(' '));
    }
    formError.replaceChildren();
    status.textContent = '';
    const values: Record<string, string> = {};
    for (const r of rows) values[r.f.name] = r.input.value.trim();
    button.disabled = true;
    spec.onSubmit(values, form).then((msg) => {
      status.textContent = msg ?? '';
    }, (err: unknown) => {
      const text = failureText(err);
      const field = err instanceof ApiFailure ? err.fieldOf(rows.map((r) => r.f.name)) : undefined;
      const row = rows.find((r) => r.f.name === field);
      if (row) {
        row.err.textContent = text;
        row.err.hidden = false;
        row.input.setAttribute('aria-invalid', 'true');
        row.input.setAttribute('aria-describedby', [row.f.hint ? `${row.input.id}-hint` : '', row.err.id].filter(Boolean).join(' '));
        row.input.focus();
      } else {
        formError.replaceChildren(errorBox(text));
      }
    }).finally(() => {
      button.disabled = false;
    });
  });
  return form;
}

/** "" → undefined; "12" → 12; for optional numeric fields. */
export function numberOrUndefined(v: string): number | undefined {
  return v === '' ? undefined : Number(v);
}
