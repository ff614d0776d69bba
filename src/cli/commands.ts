/** Every command of `aircall-sf`, one module each (contract §2). */
import { agentsCommand } from './agents';
import { aircallWebhookCommand } from './aircall-webhook';
import { backfillCommand } from './backfill';
import type { Command } from './command';
import { copyStorageCommand } from './copy-storage';
import { deadLettersCommand } from './dead-letters';
import { explainCommand } from './explain';
import { healthCommand } from './health';
import { localAircallCommand } from './local-aircall';
import { localOrgCommand } from './local-org';
import { previewCommand } from './preview';
import { replayCommand } from './replay';
import { serveCommand } from './serve';

export const COMMANDS: readonly Command[] = [
  serveCommand,
  replayCommand,
  backfillCommand,
  aircallWebhookCommand,
  agentsCommand,
  explainCommand,
  previewCommand,
  healthCommand,
  deadLettersCommand,
  copyStorageCommand,
  localOrgCommand,
  localAircallCommand
];
