// The local Aircall's own suite: conformance tests over HTTP.
module.exports = {
    displayName: 'local-aircall',
    rootDir: __dirname,
    roots: ['<rootDir>/src', '<rootDir>/test'],
    testEnvironment: 'node',
    testMatch: ['**/*.test.ts'],
    transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
    moduleFileExtensions: ['ts', 'js', 'json']
};
