/** `npm run build:console`: builds the local console ahead of time (npm start builds it when stale). */
import { buildConsole } from '../src/console/build';

buildConsole({ force: process.argv.includes('--force'), log: (line) => process.stdout.write(`${line}\n`) })
  .then((result) => {
    if (!result.built) process.stdout.write(`The local console in ${result.outDir} is up to date.\n`);
  })
  .catch((error: unknown) => {
    process.stderr.write(
      `The local console could not be built: ${error instanceof Error ? error.message : String(error)}\n`
    );
    process.exitCode = 1;
  });
