import { describe, expect, it } from 'vitest';
import {
  argumentsText,
  emptyValue,
  fieldsOf,
  initialArguments,
  missingRequired,
  parseArgumentsText,
  pathLabel,
  readInput,
  removeItemAt,
  setAt,
  valueAt,
  variantIndexOf,
  type FormField,
} from './schema-form.ts';

/** A schema with every kind the form edits. */
const ORDER = {
  type: 'object',
  properties: {
    customer: { type: 'string', description: 'Who orders' },
    quantity: { type: 'integer', minimum: 1, default: 1 },
    price: { type: 'number' },
    express: { type: 'boolean' },
    size: { enum: ['s', 'm', 'l'] },
    level: { type: 'integer', enum: [1, 2, 3] },
    address: {
      type: 'object',
      properties: { city: { type: 'string' }, zip: { type: 'string' } },
      required: ['city'],
    },
    tags: { type: 'array', items: { type: 'string' } },
    lines: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' }, qty: { type: 'integer' } }, required: ['sku'] } },
    extra: { oneOf: [{ type: 'string' }, { type: 'number' }] },
  },
  required: ['customer', 'address', 'lines'],
  additionalProperties: false,
};

const byName = (fields: FormField[], name: string) => fields.find((f) => f.name === name)!;

describe('fieldsOf: a JSON Schema as form fields', () => {
  it('gives each property its kind, in order, with required marks', () => {
    const fields = fieldsOf(ORDER);
    expect(fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['customer', 'string', true],
      ['quantity', 'integer', false],
      ['price', 'number', false],
      ['express', 'boolean', false],
      ['size', 'enum', false],
      ['level', 'enum', false],
      ['address', 'object', true],
      ['tags', 'array', false],
      ['lines', 'array', true],
      ['extra', 'json', false],
    ]);
    expect(byName(fields, 'customer').description).toBe('Who orders');
    expect(byName(fields, 'quantity').defaultValue).toBe(1);
    expect(byName(fields, 'size').options).toEqual(['s', 'm', 'l']);
    expect(byName(fields, 'level').options).toEqual([1, 2, 3]);
    expect(byName(fields, 'address').fields?.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['city', 'string', true],
      ['zip', 'string', false],
    ]);
    expect(byName(fields, 'tags').items).toMatchObject({ kind: 'string', required: true });
    expect(byName(fields, 'lines').items?.fields?.map((f) => [f.name, f.required])).toEqual([
      ['sku', true],
      ['qty', false],
    ]);
  });

  it('reads schemas without properties or with odd parts as no fields, or as a JSON field', () => {
    expect(fieldsOf({ type: 'object' })).toEqual([]);
    expect(fieldsOf(null)).toEqual([]);
    expect(fieldsOf({ type: 'object', properties: { x: true, y: { type: ['string', 'null'] } } }).map((f) => f.kind)).toEqual(['json', 'json']);
    expect(fieldsOf({ type: 'object', properties: { c: { const: 'fixed' } } })[0]).toMatchObject({ kind: 'enum', options: ['fixed'] });
  });

  it('starts with the defaults and the required objects and arrays', () => {
    const fields = fieldsOf(ORDER);
    expect(initialArguments(fields)).toEqual({ quantity: 1, address: {}, lines: [] });
    expect(emptyValue(byName(fields, 'lines').items!)).toEqual({});
    expect(emptyValue(byName(fields, 'size'))).toBe('s');
  });
});

describe('editing the arguments', () => {
  it('sets and removes values at paths without touching the original', () => {
    const start = { address: {}, lines: [] };
    const a = setAt(start, ['address', 'city'], 'Oslo');
    const b = setAt(a, ['lines', 0], { sku: 'x' });
    const c = setAt(b, ['lines', 0, 'qty'], 2);
    expect(c).toEqual({ address: { city: 'Oslo' }, lines: [{ sku: 'x', qty: 2 }] });
    expect(start).toEqual({ address: {}, lines: [] });
    expect(valueAt(c, ['lines', 0, 'qty'])).toBe(2);
    expect(valueAt(c, ['nope', 3])).toBeUndefined();
    expect(setAt(c, ['address', 'city'], undefined)).toEqual({ address: {}, lines: [{ sku: 'x', qty: 2 }] });
    expect(setAt({}, ['a', 'b'], 1)).toEqual({ a: { b: 1 } });
    const two = setAt(c, ['lines', 1], { sku: 'y' });
    expect(removeItemAt(two, ['lines', 0])).toEqual({ address: { city: 'Oslo' }, lines: [{ sku: 'y' }] });
  });

  it('reads inputs by kind: empty optional values are left out, numbers are numbers, enums keep their type', () => {
    const fields = fieldsOf(ORDER);
    expect(readInput(byName(fields, 'customer'), '')).toBe('');
    expect(readInput(byName(fields, 'address').fields![1]!, '')).toBeUndefined();
    expect(readInput(byName(fields, 'quantity'), '3')).toBe(3);
    expect(readInput(byName(fields, 'price'), '2.5')).toBe(2.5);
    expect(readInput(byName(fields, 'price'), '')).toBeUndefined();
    expect(readInput(byName(fields, 'express'), 'false')).toBe(false);
    expect(readInput(byName(fields, 'express'), '')).toBeUndefined();
    expect(readInput(byName(fields, 'level'), JSON.stringify(2))).toBe(2);
    expect(readInput(byName(fields, 'size'), JSON.stringify('m'))).toBe('m');
    expect(readInput(byName(fields, 'extra'), '12')).toBe(12);
    expect(readInput(byName(fields, 'extra'), 'plain words')).toBe('plain words');
  });

  it('names the required fields still without a value, nested ones by path', () => {
    const fields = fieldsOf(ORDER);
    expect(missingRequired(fields, initialArguments(fields))).toEqual(['args.customer', 'args.address.city']);
    expect(missingRequired(fields, { customer: 'c', address: { city: 'x' }, lines: [{ qty: 1 }, { sku: 'k' }] })).toEqual(['args.lines[0].sku']);
    expect(pathLabel(['lines', 0, 'sku'])).toBe('args.lines[0].sku');
  });
});

describe('the raw JSON mode stays in step with the form', () => {
  it('round-trips: the form value as text reads back as the same value, and that text again is the same text', () => {
    const fields = fieldsOf(ORDER);
    let value = initialArguments(fields);
    value = setAt(value, ['customer'], 'Ada') as Record<string, unknown>;
    value = setAt(value, ['address', 'city'], 'Lisbon') as Record<string, unknown>;
    value = setAt(value, ['lines', 0], { sku: 'tea', qty: 2 }) as Record<string, unknown>;
    value = setAt(value, ['express'], true) as Record<string, unknown>;
    value = setAt(value, ['level'], 3) as Record<string, unknown>;
    const text = argumentsText(value);
    const back = parseArgumentsText(text);
    expect(back).toEqual({ ok: true, value });
    expect(argumentsText(back.ok ? back.value : null)).toBe(text);
  });

  it('a text edited by hand becomes the form value (fields the schema does not know included)', () => {
    const edited = parseArgumentsText('{"customer": "Bo", "address": {"city": "Rome"}, "lines": [], "unknown": 1}');
    expect(edited).toEqual({ ok: true, value: { customer: 'Bo', address: { city: 'Rome' }, lines: [], unknown: 1 } });
    expect(missingRequired(fieldsOf(ORDER), edited.ok ? edited.value : {})).toEqual([]);
  });

  it('a text that is not an arguments object says why (the form keeps its last value)', () => {
    expect(parseArgumentsText('{"a": ')).toMatchObject({ ok: false, error: expect.stringMatching(/^not JSON: /) as string });
    expect(parseArgumentsText('[1, 2]')).toEqual({ ok: false, error: 'the arguments must be a JSON object ({...})' });
    expect(parseArgumentsText('null')).toEqual({ ok: false, error: 'the arguments must be a JSON object ({...})' });
    expect(argumentsText(undefined)).toBe('{}');
  });
});

describe('oneOf / anyOf: a pick of the variant, then its fields', () => {
  const payment = fieldsOf({
    type: 'object',
    properties: {
      payment: {
        oneOf: [
          { type: 'object', title: 'card', required: ['card'], properties: { card: { type: 'string' } } },
          { type: 'object', title: 'invoice', required: ['po'], properties: { po: { type: 'string' }, due: { type: 'integer' } } },
        ],
      },
      id: { anyOf: [{ type: 'integer' }, { type: 'string' }] },
    },
  });

  it('names each variant by its title, else its kind and number, with its own fields', () => {
    const field = byName(payment, 'payment');
    expect(field.kind).toBe('json');
    expect(field.variants?.map((v) => [v.label, v.field.kind, v.field.fields?.map((f) => f.name)])).toEqual([
      ['card', 'object', ['card']],
      ['invoice', 'object', ['po', 'due']],
    ]);
    expect(byName(payment, 'id').variants?.map((v) => v.label)).toEqual(['integer 1', 'string 2']);
  });

  it('finds the variant a value is: its kind, an object by its required keys and no others', () => {
    const field = byName(payment, 'payment');
    expect(variantIndexOf(field, { card: '1234' })).toBe(0);
    expect(variantIndexOf(field, { po: 'P-1', due: 30 })).toBe(1);
    expect(variantIndexOf(field, { card: '1', po: 'P' })).toBe(-1);
    expect(variantIndexOf(field, undefined)).toBe(-1);
    const id = byName(payment, 'id');
    expect(variantIndexOf(id, 7)).toBe(0);
    expect(variantIndexOf(id, 'x7')).toBe(1);
    expect(variantIndexOf(id, 1.5)).toBe(-1);
    // a variant's fresh value: the object with its required fields
    expect(emptyValue(field.variants![1]!.field)).toEqual({});
  });
});
