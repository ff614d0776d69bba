import { LocalOrgServer } from './http/server';
import { LocalOrg } from './org';
import type { LocalOrgOptions } from './org';
import { seedDemo } from './seed';

export interface RunningLocalOrg {
  readonly org: LocalOrg;
  readonly server: LocalOrgServer;
  readonly instanceUrl: string;
  readonly accessToken: string;
  close(): Promise<void>;
}

/** Starts a local org on 127.0.0.1 (port 0 = any free port). */
export async function startLocalOrg(
  options: LocalOrgOptions & { port?: number; seed?: 'demo' | 'none' } = {}
): Promise<RunningLocalOrg> {
  const org = new LocalOrg(options);
  if (options.seed === 'demo') seedDemo(org);
  const server = new LocalOrgServer(org);
  let instanceUrl: string;
  try {
    instanceUrl = await server.listen(options.port ?? 0);
  } catch (error) {
    org.close();
    throw error;
  }
  return {
    org,
    server,
    instanceUrl,
    accessToken: org.issueToken(org.adminUserId),
    close: async () => {
      await server.close();
      org.close();
    }
  };
}
