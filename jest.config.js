// Two projects in one run: the LWC bundles through sfdx-lwc-jest, the TypeScript through ts-jest.
const { jestConfig } = require('@salesforce/sfdx-lwc-jest/config');

module.exports = {
    projects: [
        {
            ...jestConfig,
            displayName: 'lwc',
            rootDir: __dirname,
            roots: ['<rootDir>/force-app'],
            testPathIgnorePatterns: ['/node_modules/']
        },
        {
            displayName: 'ts',
            rootDir: __dirname,
            roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/scripts'],
            testEnvironment: 'node',
            testMatch: ['**/*.test.ts'],
            transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
            moduleFileExtensions: ['ts', 'js', 'json']
        }
    ]
};
