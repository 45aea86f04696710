// Jest runs the tests that tsc compiled into dist/ (no transform): the toolchain is native ESM.
// roots keeps Jest's crawler out of caches and generated repos (.cache holds container layers).
const common = {
  testEnvironment: 'node',
  transform: {},
  moduleFileExtensions: ['js', 'json'],
  roots: ['<rootDir>/dist/test'],
};

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/dist/test/unit/**/*.test.js'] },
    { ...common, displayName: 'generator', testMatch: ['<rootDir>/dist/test/generator/**/*.test.js'], testTimeout: 60_000 },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/dist/test/e2e/**/*.test.js'], testTimeout: 600_000, slowTestThreshold: 120 },
  ],
};
