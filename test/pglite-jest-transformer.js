// PGlite's CommonJS build loads Node built-ins with dynamic import(), which code inside Jest's module
// sandbox may not use without --experimental-vm-modules. This rewrites exactly those imports into
// require() calls, so the suites run PGlite as Node runs it. Only @electric-sql/pglite's .cjs files come here.
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');

const BUILTIN_IMPORT = /\bimport\((["'])((?:node:)?[a-z_]+(?:\/[a-z_]+)?)\1\)/g;
const SELF = readFileSync(__filename);

module.exports = {
  process(source) {
    // Bound once at the top: the Emscripten glue declares a `var require` of its own that shadows Jest's.
    const code = source.replace(BUILTIN_IMPORT, (_all, _quote, name) => `Promise.resolve(__jestRequire(${JSON.stringify(name)}))`);
    return { code: code === source ? source : `const __jestRequire = require;${code}` };
  },
  getCacheKey(source, path) {
    return createHash('sha256').update(SELF).update('\0').update(path).update('\0').update(source).digest('hex');
  },
};
