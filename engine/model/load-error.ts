/**
 * What a person is told when a file does not load: which file, where it came from (URL or path), what
 * arrived instead (an HTML page, an empty file, text, binary data) and what to do. Static hosts, Vite's
 * dev and preview servers among them, answer a missing file with the site's index.html (status 200),
 * so "an HTML page where a JSON, safetensors, ONNX, tokenizer or template file was expected" is a
 * first-class case: absent for an optional file, a clear error for a required one. Parser details
 * (byte counts, JSON positions) go on a second line, never the first.
 */

/** The error every loader raises for a file that arrived but cannot be used (or did not arrive). */
export class LoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoadError';
  }
}

export interface LoadProblem {
  /** The file's name as the folder or config names it (`config.json`, `model.safetensors`, ...). */
  file: string;
  /** Where it was read from: a URL, a path on disk, "the dropped folder NAME". */
  where?: string;
  /** What is wrong, for a person ("an HTML page arrived instead of the JSON file"). */
  problem: string;
  /** What to do about it. */
  fix: string;
  /** The parser's own words, shown on a second line. */
  detail?: string;
}

/** `file (where): problem. fix` and, on the next line, the parser's detail. */
export function describeLoadProblem(p: LoadProblem): string {
  const at = p.where && p.where !== p.file ? ` (${p.where})` : '';
  const head = `${p.file}${at}: ${p.problem}. ${p.fix}`;
  return p.detail ? `${head}\nDetails: ${p.detail}` : head;
}

/** What kind of file a name stands for, as a person would say it. */
export function expectedKind(file: string): string {
  const name = file.toLowerCase();
  if (name.endsWith('.safetensors')) return 'safetensors file';
  if (name.endsWith('.onnx')) return 'ONNX model';
  if (name.endsWith('.jsonl')) return 'JSONL dataset';
  if (name.endsWith('.jinja')) return 'chat template';
  if (name === 'tokenizer.json') return 'tokenizer file';
  if (name.endsWith('.json')) return 'JSON file';
  return 'file';
}

const HTML_STARTS = ['<!doctype html', '<html', '<head', '<body', '<!--', '<script', '<meta', '<title'];

/** A `text/html` (or XHTML) content-type header. */
export function isHtmlContentType(contentType: string | null | undefined): boolean {
  return !!contentType && /^\s*(text\/html|application\/xhtml\+xml)\b/i.test(contentType);
}

/**
 * True for an HTML page: a `text/html` content type, or bytes that begin (after a byte order mark and
 * white space) like one. No JSON, safetensors header, ONNX protobuf or Jinja chat template begins so.
 */
export function looksLikeHtml(bytes: Uint8Array, contentType?: string | null): boolean {
  if (isHtmlContentType(contentType)) return true;
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  while (i < bytes.length && i < 256 && (bytes[i] === 0x20 || (bytes[i] >= 0x09 && bytes[i] <= 0x0d))) i++;
  if (bytes[i] !== 0x3c) return false; // '<'
  const start = new TextDecoder().decode(bytes.subarray(i, i + 16)).toLowerCase();
  return HTML_STARTS.some((s) => start.startsWith(s));
}

/** What arrived, in a few words: "an HTML page", "an empty file", `text beginning "..."`, binary data. */
export function describeArrival(bytes: Uint8Array, contentType?: string | null): string {
  if (bytes.length === 0) return 'an empty file (0 bytes)';
  if (looksLikeHtml(bytes, contentType)) return 'an HTML page';
  const head = bytes.subarray(0, 48);
  const printable = head.every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b !== 0x7f));
  if (printable) {
    const text = new TextDecoder().decode(head).replace(/\s+/g, ' ').trim();
    return `${bytes.length} bytes of text beginning "${text}${bytes.length > 48 ? '…' : ''}"`;
  }
  return `${bytes.length} bytes of binary data`;
}

/** The usual advice when a server sent a page instead of a file: the file is not where it was asked for. */
export const HTML_FIX =
  'The server answered with a web page, as static hosts do for a file that is not there: check the name and that the folder was deployed whole';

/**
 * Parses a JSON object file, or raises a LoadError that names the file, where it came from, what
 * arrived, and `fix`.
 */
export function parseJsonObjectFile(
  file: string,
  bytes: Uint8Array,
  options: { where?: string; fix: string; error?: new (message: string) => Error },
): Record<string, unknown> {
  const E = options.error ?? LoadError;
  const refuse = (problem: string, fix: string, detail?: string) =>
    new E(describeLoadProblem({ file, where: options.where, problem, fix, detail }));
  if (looksLikeHtml(bytes))
    throw refuse(`an HTML page arrived instead of the ${expectedKind(file)}`, HTML_FIX);
  if (bytes.length === 0 || new TextDecoder().decode(bytes).trim() === '')
    throw refuse('the file is empty', options.fix);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw refuse(
      `not valid JSON (${describeArrival(bytes)}; a truncated download or another kind of file)`,
      options.fix,
      (e as Error).message,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw refuse(
      `expected a JSON object, found ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}`,
      options.fix,
    );
  return value as Record<string, unknown>;
}
