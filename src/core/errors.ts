// Codes of the core layer; every layer keeps its own table like this one, listed in docs/errors.md.
export const CoreErrorCodes = {
  CORE_INVALID_ARGUMENT: 'A function of the core layer was given a value outside its domain',
} as const;

export type CoreErrorCode = keyof typeof CoreErrorCodes;
