// `lead-desk/client` is types only (index.d.ts); this empty module lets a runtime import resolve.
'use strict';
Object.defineProperty(exports, '__esModule', { value: true });
