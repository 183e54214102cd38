// Codes of the capture layer. Every error about file content carries details.offset (the
// byte offset in the file where reading stopped) and the caller still gets what was read.
export const CaptureErrorCodes = {
  CAP_UNKNOWN_FORMAT: 'The file is none of pcap, pcapng, HEP or a SIP text log (details.magic)',
  CAP_EMPTY_FILE: 'The file holds no bytes at all',
  CAP_TRUNCATED_HEADER: 'The file ends inside the pcap global header or the first pcapng block',
  CAP_TRUNCATED_RECORD: 'The file ends inside a packet record or block (details.offset, details.needed)',
  CAP_BAD_RECORD: 'A pcap record length is impossible (corrupt file) (details.offset, details.length)',
  CAP_BAD_BLOCK: 'A pcapng block is malformed: bad length, trailer mismatch, or before any section header',
  CAP_BAD_INTERFACE: 'A pcapng packet names an interface that no Interface Description Block declared',
  CAP_BAD_HEP: 'A HEP packet in a raw HEP file is malformed (bad version or length)',
  CAP_IO: 'The file could not be opened or read (details.path)',
} as const;

export type CaptureErrorCode = keyof typeof CaptureErrorCodes;
