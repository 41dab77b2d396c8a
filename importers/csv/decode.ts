/**
 * Bytes of an inventory export → text, saying how it was read. Spreadsheet exports come
 * as UTF-8 with or without a BOM, UTF-16 with a BOM, or in the Windows code page (Excel's
 * "CSV" on a Western-European Windows); the bytes decide, never a guess from the content
 * beyond "is this valid UTF-8".
 */
export type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';
export type LineEndings = 'LF' | 'CRLF' | 'CR' | 'mixed' | 'none';

export interface DecodedText {
  /** The text with every line ending (CRLF, CR, LF) turned into LF; the BOM removed. */
  text: string;
  encoding: Encoding;
  bom: boolean;
  lineEndings: LineEndings;
}

function startsWith(bytes: Uint8Array, ...prefix: number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

/** Decodes a file's bytes: BOM first, then strict UTF-8, else windows-1252. */
export function decodeText(bytes: Uint8Array): DecodedText {
  let encoding: Encoding;
  let bom = true;
  let body = bytes;
  if (startsWith(bytes, 0xef, 0xbb, 0xbf)) {
    encoding = 'utf-8';
    body = bytes.subarray(3);
  } else if (startsWith(bytes, 0xff, 0xfe)) {
    encoding = 'utf-16le';
    body = bytes.subarray(2);
  } else if (startsWith(bytes, 0xfe, 0xff)) {
    encoding = 'utf-16be';
    body = bytes.subarray(2);
  } else {
    bom = false;
    encoding = 'utf-8';
  }
  let raw: string;
  try {
    raw = new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    if (encoding !== 'utf-8' || bom) throw new Error(`the file starts with a ${encoding} byte order mark but is not valid ${encoding}`);
    encoding = 'windows-1252';
    raw = decodeWindows1252(body);
  }
  return { text: raw.replace(/\r\n?/g, '\n'), encoding, bom, lineEndings: lineEndingsOf(raw) };
}

export function lineEndingsOf(raw: string): LineEndings {
  const crlf = raw.match(/\r\n/g)?.length ?? 0;
  const cr = (raw.match(/\r/g)?.length ?? 0) - crlf;
  const lf = (raw.match(/\n/g)?.length ?? 0) - crlf;
  const kinds = [crlf && 'CRLF', cr && 'CR', lf && 'LF'].filter(Boolean) as LineEndings[];
  if (kinds.length === 0) return 'none';
  return kinds.length === 1 ? kinds[0]! : 'mixed';
}

/** "UTF-8 with BOM, CR line endings" for the run output. */
export function describeDecoding(d: Pick<DecodedText, 'encoding' | 'bom' | 'lineEndings'>): string {
  const enc =
    d.encoding === 'windows-1252'
      ? 'windows-1252 (the bytes are not valid UTF-8)'
      : `${d.encoding.toUpperCase()}${d.bom ? ' with BOM' : ''}`;
  return `${enc}, ${d.lineEndings === 'none' ? 'one line' : `${d.lineEndings} line endings`}`;
}

/**
 * windows-1252 → text. Node's TextDecoder('windows-1252') decodes 0x80-0x9F as the C1
 * controls (latin-1), not as the code page's €, ‚, ƒ, „, …, ™; this table does what the
 * WHATWG Encoding Standard says (the five unassigned bytes stay U+0081, U+008D, ...).
 */
const CP1252_80_9F = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

export function decodeWindows1252(bytes: Uint8Array): string {
  const parts: string[] = [];
  const CHUNK = 8192;
  for (let at = 0; at < bytes.length; at += CHUNK) {
    const codes = Array.from(bytes.subarray(at, at + CHUNK), (b) => (b >= 0x80 && b <= 0x9f ? CP1252_80_9F[b - 0x80]! : b));
    parts.push(String.fromCharCode(...codes));
  }
  return parts.join('');
}
