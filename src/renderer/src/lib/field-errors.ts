/**
 * Where an error goes in a form: at the field it names, in plain words. The form's own checks
 * throw FormError with the field; the engine's (the same ranges, contract/ranges.ts, checked by
 * the sweep schema or the config.json reader) come back as text, "model.attention.numKvHeads: K/V
 * heads must be ...", or "config.json lacks ...": this finds the field and drops the path. Pure.
 */
import { FORM_FIELDS, FormError } from './config-form';

export interface FieldError {
  /** The form field at fault; '' = the whole form. */
  field: string;
  message: string;
}

const FIELDS = new Set<string>(FORM_FIELDS);

/** A schema path's last part that names a setup field: the field. */
function fieldOfPath(path: string): string | null {
  const parts = path.split('.');
  const last = parts.filter((p) => !/^\d+$/.test(p)).pop() ?? '';
  if (parts[0] === 'model' && parts[1] === 'config') return 'hfConfig';
  return FIELDS.has(last) ? last : null;
}

/** The sweep setup's field for an error from the form or the engine; `source` is the form's model source. */
export function sweepFieldError(err: unknown, source: 'preset' | 'custom' | 'hf-config'): FieldError {
  if (err instanceof FormError) return { field: err.field, message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  const path = /^([\w.]+): (.+)$/s.exec(message);
  if (path) {
    const field = fieldOfPath(path[1]!);
    if (field) return { field, message: path[2]! };
  }
  // What the config.json reader says of the file (a field it lacks, a value out of range) belongs under the file's text.
  if (source === 'hf-config' && /config\.json|config field|model_type|architectures/.test(message)) return { field: 'hfConfig', message };
  return { field: '', message };
}

/** The attributes an input takes from its field's error: red state and the error's id to read with it (after a hint's, if any). */
export function invalidAttrs(error: FieldError | null, field: string, hintId?: string): { 'aria-invalid': boolean; 'aria-describedby': string | undefined } {
  const on = error !== null && error.field === field;
  const ids = [hintId, on ? errorId(field) : undefined].filter(Boolean).join(' ');
  return { 'aria-invalid': on, 'aria-describedby': ids || undefined };
}

/** The id of the element that says a field's error. */
export const errorId = (field: string): string => `error-${field}`;
