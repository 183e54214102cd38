// cli: the `trunkline` command line (main.ts is the bin); helpers shared by the command files.
export { envOption, envName, collect } from './env-option.js';
export { EXIT_OK, EXIT_FAILURE, EXIT_USAGE } from './exit-codes.js';
