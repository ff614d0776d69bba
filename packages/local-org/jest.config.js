// The local org's own suite: conformance tests over HTTP through jsforce. The sf CLI's suite
// (*.sf.test.ts) is the root's `sf-cli` project: it needs an installed sf.
module.exports = {
    displayName: 'local-org',
    rootDir: __dirname,
    roots: ['<rootDir>/src', '<rootDir>/test'],
    testEnvironment: 'node',
    testMatch: ['**/*.test.ts'],
    testPathIgnorePatterns: ['/node_modules/', '\\.sf\\.test\\.ts$'],
    transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
    moduleFileExtensions: ['ts', 'js', 'json']
};
