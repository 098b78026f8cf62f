/**
 * @module The `egiz` command tree: global options (connection, output) and one registration per
 * command family.
 */
import { Command, Option } from 'commander';
import { FORMATS } from './io/output.js';
import { registerAttrCommands } from './commands/attr.js';
import { registerCompletionCommand } from './commands/completion.js';
import { registerExamplesCommands } from './commands/examples.js';
import { registerExportCommand } from './commands/export.js';
import { registerFeatureCommands } from './commands/feature.js';
import { registerHistoryCommands } from './commands/history.js';
import { registerImportCommand } from './commands/import.js';
import { registerLoginCommands } from './commands/login.js';
import { registerMessageCommands } from './commands/message.js';
import { registerPolicyCommands } from './commands/policy.js';
import { registerProfileCommands } from './commands/profile.js';
import { registerPropCommands } from './commands/prop.js';
import { registerSearchCommands } from './commands/search.js';
import { registerThingCommands } from './commands/thing.js';
import { registerWatchCommand } from './commands/watch.js';
import { registerWhoamiCommand } from './commands/whoami.js';
import { examples } from './commands/common.js';

export const VERSION = '0.1.0';

const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  internal error (a bug in egiz)
  2  usage error (unknown command or option, missing or invalid argument)
  3  authentication or authorization failed (HTTP 401, 403)
  4  not found (HTTP 404; also export of ids that do not exist)
  5  conflict or failed precondition (HTTP 409, 412: --if-match, --condition, create of an existing id)
  6  other client error (other HTTP 4xx, invalid import lines)
  7  server or network error (HTTP 5xx, timeout, server unreachable, stream ended by the server)
  8  no reply in time (HTTP 408: a message nobody answered)

Environment:
  EGIZ_URL, EGIZ_USER, EGIZ_PASSWORD, EGIZ_TOKEN, EGIZ_PROFILE   override the profile
  EGIZ_CONFIG   the profiles file (default $XDG_CONFIG_HOME/egiz/config.json or ~/.config/egiz/config.json)
  NO_COLOR      no colours
`;

export interface ProgramIo {
  readonly writeOut: (s: string) => void;
  readonly writeErr: (s: string) => void;
}

export function createProgram(io: ProgramIo): Command {
  const program = new Command('egiz');
  program
    .description('The Egiz command line: digital twins over the Ditto HTTP API v2')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--url <url>', 'server address (default http://localhost:8080)')
    .option('--user <name>', 'user for HTTP Basic')
    .option('--password <password>', 'password for HTTP Basic')
    .option('--token <token>', 'bearer token (instead of --user/--password)')
    .option('--profile <name>', 'profile from the config file (default: the current one)')
    .addOption(
      new Option('-o, --output <format>', 'output format (default depends on the command)').choices(FORMATS),
    )
    .option('--timeout <seconds>', 'give up on a request after this long (default 60)')
    .option('-v, --verbose', 'print each request and answer on stderr')
    .option('-q, --quiet', 'print no diagnostics on stderr (errors still are)')
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .configureOutput({ writeOut: io.writeOut, writeErr: io.writeErr })
    .exitOverride();
  program.addHelpText('after', EXIT_CODES_HELP);
  examples(program, [
    'egiz login --url http://localhost:8080 --user ditto --password ditto',
    `egiz thing put my.house:lamp-1 '{"attributes":{"room":"kitchen"}}'`,
    'egiz prop set my.house:lamp-1 lamp on true',
    'egiz thing get my.house:lamp-1 -o yaml',
    `egiz search --filter 'eq(attributes/room,"kitchen")' -o table`,
    'egiz watch --thing my.house:lamp-1',
  ]);

  registerLoginCommands(program);
  registerWhoamiCommand(program);
  registerProfileCommands(program);
  registerThingCommands(program);
  registerAttrCommands(program);
  registerFeatureCommands(program);
  registerPropCommands(program);
  registerSearchCommands(program);
  registerWatchCommand(program);
  registerMessageCommands(program);
  registerHistoryCommands(program);
  registerPolicyCommands(program);
  registerExportCommand(program);
  registerImportCommand(program);
  registerExamplesCommands(program);
  registerCompletionCommand(program);
  return program;
}
