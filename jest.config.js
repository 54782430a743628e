// ESM + ts-jest: the package is "type": "module" (execa 9 is ESM-only), so tests run as native
// ESM under `node --experimental-vm-modules` (set by the npm scripts). Imports carry `.js`
// suffixes (NodeNext resolution); the mapper strips them so ts-jest finds the .ts sources.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  // A temporary directory per run (TMPDIR), removed at the end: test/helpers/global-tmp.js.
  globalSetup: '<rootDir>/test/helpers/global-setup.js',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.js',
  maxWorkers: 2,
  testTimeout: 120000,
  slowTestThreshold: 30,
};
