// Codes of the bundle layer.
export const BundleErrorCodes = {
  BUNDLE_CALL_NOT_FOUND: 'No call record with this call sid in the store (the CLI exits 1 naming it)',
  BUNDLE_NAME_TOO_LONG: 'A path inside the archive does not fit a ustar header (255 bytes)',
} as const;

export type BundleErrorCode = keyof typeof BundleErrorCodes;
