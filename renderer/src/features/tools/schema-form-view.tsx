/** The arguments form of a tool, generated from its JSON Schema (schema-form.ts): one row per field, nested objects and arrays inside. */
import { useEffect, useState } from 'react';
import { emptyValue, pathLabel, readInput, removeItemAt, setAt, valueAt, variantIndexOf, type FieldPath, type FormField } from './schema-form.ts';

interface FormProps {
  fields: readonly FormField[];
  value: Record<string, unknown>;
  onChange(value: Record<string, unknown>): void;
}

export function SchemaForm({ fields, value, onChange }: FormProps) {
  if (fields.length === 0)
    return (
      <p className="muted" data-testid="tool-no-arguments">
        This tool takes no arguments.
      </p>
    );
  const update = (path: FieldPath, next: unknown) => onChange((setAt(value, path, next) ?? {}) as Record<string, unknown>);
  const remove = (path: FieldPath) => onChange(removeItemAt(value, path) as Record<string, unknown>);
  return (
    <div className="schema-form" data-testid="tool-form">
      {fields.map((field) => (
        <FieldRow key={field.name} field={field} path={[field.name]} root={value} update={update} remove={remove} />
      ))}
    </div>
  );
}

interface RowProps {
  field: FormField;
  path: FieldPath;
  root: Record<string, unknown>;
  update(path: FieldPath, value: unknown): void;
  remove(path: FieldPath): void;
}

function FieldRow({ field, path, root, update, remove }: RowProps) {
  const label = pathLabel(path);
  const current = valueAt(root, path);
  const inItem = typeof path.at(-1) === 'number';
  return (
    <div
      className={`tool-field kind-${field.kind}`}
      data-testid="tool-field"
      data-path={label}
      data-kind={field.kind}
      data-required={field.required ? 'true' : 'false'}
    >
      <label className="tool-field-label">
        <span className="mono">{inItem ? `[${String(path.at(-1))}]` : field.name}</span>
        {field.required && !inItem && (
          <span className="required" title="required" data-testid="field-required">
            *
          </span>
        )}
        <span className="muted kind">{field.variants ? 'one of' : field.kind}</span>
        {inItem && (
          <button className="link" data-testid="field-remove-item" onClick={() => remove(path)} title="remove this item">
            remove
          </button>
        )}
      </label>
      {field.description && <div className="muted field-description">{field.description}</div>}
      <FieldInput field={field} path={path} current={current} root={root} update={update} remove={remove} />
    </div>
  );
}

function FieldInput({ field, path, current, root, update, remove }: RowProps & { current: unknown }) {
  const label = pathLabel(path);
  const placeholder = field.defaultValue === undefined ? undefined : `default ${JSON.stringify(field.defaultValue)}`;
  switch (field.kind) {
    case 'string':
      return (
        <input
          data-testid="field-input"
          aria-label={label}
          value={typeof current === 'string' ? current : ''}
          placeholder={placeholder}
          onChange={(e) => update(path, readInput(field, e.target.value))}
        />
      );
    case 'number':
    case 'integer':
      return (
        <input
          data-testid="field-input"
          aria-label={label}
          type="number"
          step={field.kind === 'integer' ? 1 : 'any'}
          value={typeof current === 'number' ? String(current) : ''}
          placeholder={placeholder}
          onChange={(e) => update(path, readInput(field, e.target.value))}
        />
      );
    case 'boolean':
      return (
        <select
          data-testid="field-input"
          aria-label={label}
          value={typeof current === 'boolean' ? String(current) : ''}
          onChange={(e) => update(path, readInput(field, e.target.value))}
        >
          <option value="">{field.required ? 'choose' : 'not set'}</option>
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      );
    case 'enum':
      return (
        <select
          data-testid="field-input"
          aria-label={label}
          value={current === undefined ? '' : JSON.stringify(current)}
          onChange={(e) => update(path, readInput(field, e.target.value))}
        >
          <option value="">{field.required ? 'choose' : 'not set'}</option>
          {(field.options ?? []).map((option) => (
            <option key={JSON.stringify(option)} value={JSON.stringify(option)}>
              {typeof option === 'string' ? option : JSON.stringify(option)}
            </option>
          ))}
        </select>
      );
    case 'object':
      return (
        <div className="tool-object">
          {(field.fields ?? []).map((child) => (
            <FieldRow key={child.name} field={child} path={[...path, child.name]} root={root} update={update} remove={remove} />
          ))}
          {(field.fields ?? []).length === 0 && <JsonInput label={label} current={current} onChange={(v) => update(path, v)} />}
        </div>
      );
    case 'array': {
      const items = Array.isArray(current) ? current : [];
      const itemField = field.items ?? { name: '', kind: 'json' as const, required: true };
      return (
        <div className="tool-array">
          {items.map((_, i) => (
            <FieldRow key={i} field={itemField} path={[...path, i]} root={root} update={update} remove={remove} />
          ))}
          <button data-testid="field-add-item" onClick={() => update(path, [...items, emptyValue(itemField)])}>
            + item
          </button>
        </div>
      );
    }
    case 'json':
      if (field.variants && field.variants.length > 0)
        return <VariantInput field={field} path={path} current={current} root={root} update={update} remove={remove} />;
      return <JsonInput label={label} current={current} onChange={(v) => update(path, v)} />;
  }
}

/** `oneOf` / `anyOf`: pick the variant (the one the value is, at first), then edit it with its own fields; "JSON" edits it as text. */
function VariantInput({ field, path, current, root, update, remove }: RowProps & { current: unknown }) {
  const variants = field.variants ?? [];
  const [picked, setPicked] = useState(() => variantIndexOf(field, current));
  // A value set elsewhere (the raw JSON mode, a call's arguments put back) that is another variant: show that one.
  const fits = variantIndexOf(field, current);
  useEffect(() => {
    if (fits >= 0) setPicked(fits);
  }, [fits]);
  const variant = picked >= 0 ? variants[picked] : undefined;
  const label = pathLabel(path);
  return (
    <div className="tool-variant">
      <select
        data-testid="field-variant"
        aria-label={`${label}: variant`}
        value={String(picked)}
        onChange={(e) => {
          const index = Number(e.target.value);
          setPicked(index);
          const next = variants[index];
          if (next && variantIndexOf(field, current) !== index) update(path, emptyValue(next.field));
        }}
      >
        <option value="-1">JSON (any variant)</option>
        {variants.map((v, i) => (
          <option key={i} value={String(i)}>
            {v.label}
          </option>
        ))}
      </select>
      {variant ? (
        <FieldInput field={variant.field} path={path} current={current} root={root} update={update} remove={remove} />
      ) : (
        <JsonInput label={label} current={current} onChange={(v) => update(path, v)} />
      )}
    </div>
  );
}

const jsonText = (value: unknown): string => (value === undefined ? '' : JSON.stringify(value));

/** Whether the text (as typed) already says `value`: then an outside change is not one. */
function says(text: string, value: unknown): boolean {
  if (text.trim() === '') return value === undefined;
  try {
    return JSON.stringify(JSON.parse(text)) === JSON.stringify(value);
  } catch {
    return false;
  }
}

/**
 * A field the form cannot edit by parts (no type, a type list...): its JSON, read when it
 * parses. The text follows the value when it changes elsewhere (reset, the raw JSON mode, a
 * call's arguments put back); text that is not JSON yet is kept and said so.
 */
function JsonInput({ label, current, onChange }: { label: string; current: unknown; onChange(value: unknown): void }) {
  const [text, setText] = useState(() => jsonText(current));
  useEffect(() => {
    setText((typed) => (says(typed, current) ? typed : jsonText(current)));
  }, [current]);
  let invalid = false;
  if (text.trim() !== '') {
    try {
      JSON.parse(text);
    } catch {
      invalid = true;
    }
  }
  return (
    <>
      <input
        data-testid="field-input"
        className="mono"
        aria-label={label}
        aria-invalid={invalid}
        value={text}
        placeholder="JSON"
        onChange={(e) => {
          const next = e.target.value;
          setText(next);
          if (next.trim() === '') return onChange(undefined);
          try {
            onChange(JSON.parse(next) as unknown);
          } catch {
            // not JSON yet: keep typing (said below)
          }
        }}
      />
      {invalid && (
        <div className="error-text" data-testid="field-json-error">
          not JSON yet: the arguments keep the last value that was
        </div>
      )}
    </>
  );
}
