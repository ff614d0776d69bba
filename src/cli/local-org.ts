import { AircallSfError, ERROR_CODES } from '../errors';
import { LOCAL_APEX_REST } from '../org-api/snapshot-local';
import { FORCE_APP } from '../paths';
import type { Command } from './command';
import { loadLocalOrg } from './embedded';

export const localOrgCommand: Command = {
  name: 'local-org',
  summary: 'run the local Salesforce-compatible org',
  // The local org's own usage (packages/local-org), under this command's name.
  get usage() {
    return loadLocalOrg().LOCAL_ORG_USAGE.replace('Usage: local-org', 'Usage: aircall-sf local-org');
  },
  async run(args, io) {
    const localOrg = loadLocalOrg();
    let options;
    try {
      options = localOrg.parseLocalOrgArgs(args, { forceApp: FORCE_APP });
    } catch (error) {
      if (error instanceof localOrg.LocalOrgUsageError)
        throw new AircallSfError(ERROR_CODES.USAGE, `${error.message}\n\n${localOrg.LOCAL_ORG_USAGE}`);
      throw error;
    }
    return localOrg.runLocalOrg({ ...options, apexRest: LOCAL_APEX_REST }, io.out);
  }
};
