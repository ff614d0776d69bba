/** The local org: a Salesforce-compatible REST server (README.md). */
export { LocalOrg, ADMIN_USERNAME } from './org';
export type { LocalOrgOptions } from './org';
export type { ForceAppDir, ForceAppSource } from './schema';
export { LocalOrgServer, API_VERSIONS } from './http/server';
export { parseFaults, randomSource } from './faults';
export type { FaultSpec } from './faults';
export { seedDemo, DEMO_AGENTS } from './seed';
export { startLocalOrg } from './start';
export type { RunningLocalOrg } from './start';
export { LOCAL_ORG_USAGE, LocalOrgUsageError, parseLocalOrgArgs, runLocalOrg } from './cli';
export type { LocalOrgCliOptions } from './cli';
export type { ApexContext, ApexDescribe, ApexRestHandler, ApexRestRequest, ApexRestResponse } from './apex';
