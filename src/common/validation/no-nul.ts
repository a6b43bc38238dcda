import { ValidateBy } from 'class-validator';

/**
 * Refuses a string containing U+0000: PostgreSQL text cannot hold it (SQLSTATE 22021), and a value the database
 * refuses must be refused by validation first, naming the field, rather than fail as a server error.
 */
export const NoNulCharacter = () =>
  ValidateBy({
    name: 'noNulCharacter',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !value.includes('\u0000'),
      defaultMessage: (args) => `${args?.property} must not contain the NUL character (\\u0000)`,
    },
  });
