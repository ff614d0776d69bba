// The local org's own suite: conformance tests over HTTP through jsforce and the sf CLI.
module.exports = {
    displayName: 'local-org',
    rootDir: __dirname,
    roots: ['<rootDir>/src', '<rootDir>/test'],
    testEnvironment: 'node',
    testMatch: ['**/*.test.ts'],
    transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
    moduleFileExtensions: ['ts', 'js', 'json']
};
