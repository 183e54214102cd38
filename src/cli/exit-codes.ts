/** SPEC §7: 0 success, 1 a failure the command reports, 2 bad usage. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
