import type { Type } from '@nestjs/common';

// @nestjs/swagger's metadata keys (its DECORATORS constants, not exported from the package's entry point).
const PROPERTIES = 'swagger/apiModelProperties';
const PROPERTY_NAMES = 'swagger/apiModelPropertiesArray';

/** The `maxItems` each array property of `dto` documents (`@ApiProperty({ maxItems })`), read once per class. */
const cache = new WeakMap<Type<unknown>, [string, number][]>();

function documentedMaxItems(dto: Type<unknown>): [string, number][] {
  let limits = cache.get(dto);
  if (limits) return limits;
  limits = [];
  const names: string[] = Reflect.getMetadata(PROPERTY_NAMES, dto.prototype) ?? [];
  for (const entry of names) {
    const name = entry.startsWith(':') ? entry.slice(1) : entry;
    const meta: { maxItems?: unknown } | undefined = Reflect.getMetadata(PROPERTIES, dto.prototype, name);
    if (typeof meta?.maxItems === 'number') limits.push([name, meta.maxItems]);
  }
  cache.set(dto, limits);
  return limits;
}

/**
 * The first array of `value` longer than the maximum its DTO documents, as a validation detail, or null.
 * Checked before class-validator, whose work (and answer) would grow with every element past the maximum.
 */
export function documentedLimitProblem(dto: Type<unknown>, value: object): { field: string; message: string } | null {
  for (const [name, max] of documentedMaxItems(dto)) {
    const items: unknown = (value as Record<string, unknown>)[name];
    if (Array.isArray(items) && items.length > max) return { field: name, message: `${name} must list at most ${max} items` };
  }
  return null;
}
