// Codes of the PSTN simulator layer.
export const PstnSimErrorCodes = {
  PSTN_SIM_NUMBER_INVALID: 'A test call was asked for a number that is not valid in its numbering plan',
  PSTN_SIM_NOT_RUNNING: 'The PSTN simulator is not running, so it cannot originate a test call',
} as const;

export type PstnSimErrorCode = keyof typeof PstnSimErrorCodes;
