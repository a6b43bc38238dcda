// One Jest config for unit (src/**/*.spec.ts) and e2e (test/**/*.e2e-spec.ts) suites.
// The swagger CLI plugin runs here too, so the OpenAPI document under test is the one `nest build` makes.
/** @type {import('jest').Config} */
module.exports = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      {
        tsconfig: 'tsconfig.json',
        astTransformers: { before: ['<rootDir>/test/support/swagger-transformer.js'] },
      },
    ],
    // PGlite (the embedded database of TEST_DATABASE=pglite runs): see the transformer for why.
    '/node_modules/@electric-sql/pglite/dist/.+\\.cjs$': '<rootDir>/test/pglite-jest-transformer.js',
  },
  transformIgnorePatterns: ['/node_modules/(?!@electric-sql/pglite/)'],
  // @fastify/static requires content-disposition 3, which is ES-module only; Node 20 loads it natively
  // but Jest's module system cannot. Tests get the CommonJS 1.x line, same API.
  moduleNameMapper: { '^content-disposition$': 'content-disposition-cjs' },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  maxWorkers: 2,
  testTimeout: 60000,
};
