import 'reflect-metadata';
import { getMetadataStorage } from 'class-validator';

const HELP_KEY = 'leaddesk:env-help';

export interface VariableHelp {
  /** The default, as a person would write it ("3000", "unset", "development secret") */
  default: string;
  meaning: string;
}

/**
 * Documents an environment variable where it is declared (EnvironmentVariables): `node dist/main.js --help`
 * prints these, so the list cannot drift from what is validated. Adding a variable is one property there,
 * with its validators and this.
 */
export const Help =
  (defaultValue: string, meaning: string): PropertyDecorator =>
  (target, property) =>
    Reflect.defineMetadata(HELP_KEY, { default: defaultValue, meaning } satisfies VariableHelp, target, property);

/** Every variable the class validates, in declaration order, with its help (or a note that it has none). */
export function variablesOf(type: new () => object): { name: string; help?: VariableHelp }[] {
  const names: string[] = [];
  for (const meta of getMetadataStorage().getTargetValidationMetadatas(type, '', true, false)) {
    if (!names.includes(meta.propertyName)) names.push(meta.propertyName);
  }
  return names.map((name) => ({ name, help: Reflect.getMetadata(HELP_KEY, type.prototype, name) as VariableHelp | undefined }));
}

/** The --help text: one line per variable (name, default, meaning), aligned. */
export function variablesHelp(type: new () => object): string {
  const rows = variablesOf(type).map(({ name, help }) => [name, help?.default ?? '', help?.meaning ?? '(undocumented)']);
  const width = [0, 1].map((i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map(([name, def, meaning]) => `  ${name.padEnd(width[0])}  ${def.padEnd(width[1])}  ${meaning}`).join('\n');
}
