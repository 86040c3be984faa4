import type { Config } from '../config.js';
import type { ZohoModule } from '../modules/zoho-module.js';

/** What every command gets from `buildCli`. */
export interface CliContext {
  /** Read when a command runs, not when the tree is built, so `--help` works with a broken environment. */
  getConfig: () => Config;
  /** The modules `mzi send`, `mzi zoho-setup` and the records commands (`mzi students`) offer subcommands for. */
  modules: readonly ZohoModule[];
}
