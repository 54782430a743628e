// Tests run images through the library's harness (src/image/run.ts), as `nixlab run` does.
export * from '../../src/image/run.js';
