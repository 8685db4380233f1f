/**
 * A task read from JSONL lines {"prompt": "...", "answer": "..."} (answer may be a number), scored by
 * exact match of the trimmed answer or by numeric match. Bad lines are refused with their line
 * number, all of them at once, so a user fixes the file in one pass. Loading the text is the caller's job.
 */

import type { z } from 'zod';
import { describeLoadProblem, LoadError, looksLikeHtml } from '../model/load-error';
import type { datasetOptions } from './options';
import { alphabetOf, extractAnswer, type Task, tagAlphabet, wrapAnswer } from './types';

export interface DatasetRow {
  prompt: string;
  answer: string;
}

export type DatasetParse = { ok: true; rows: DatasetRow[] } | { ok: false; errors: string[] };

/**
 * Parses JSONL; blank lines are skipped, and so is a leading UTF-8 byte order mark (Node's readFile keeps
 * it; File.text() and fetch drop it). Errors read like 'line 3: "answer" must be a string or number'.
 */
export function parseJsonlDataset(text: string): DatasetParse {
  const rows: DatasetRow[] = [];
  const errors: string[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((line, i) => {
      const n = i + 1;
      if (line.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (e) {
        errors.push(`line ${n}: not valid JSON (${(e as Error).message})`);
        return;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        errors.push(`line ${n}: must be a JSON object with "prompt" and "answer"`);
        return;
      }
      const { prompt, answer } = value as Record<string, unknown>;
      if (typeof prompt !== 'string' || prompt.length === 0) {
        errors.push(`line ${n}: "prompt" must be a non-empty string`);
        return;
      }
      if (typeof answer === 'number' && Number.isFinite(answer)) {
        rows.push({ prompt, answer: String(answer) });
      } else if (typeof answer === 'string') {
        rows.push({ prompt, answer });
      } else {
        errors.push(`line ${n}: "answer" must be a string or a finite number`);
      }
    });
  if (errors.length) return { ok: false, errors };
  if (rows.length === 0) return { ok: false, errors: ['the dataset has no lines'] };
  return { ok: true, rows };
}

/**
 * The text of a fetched or read dataset file, or a LoadError when what arrived is no dataset at all: an
 * HTML page (a static host's answer for a missing path) or an empty file. `where` is its URL or path.
 */
export function datasetText(
  source: string,
  where: string,
  bytes: Uint8Array,
  contentType?: string | null,
): string {
  const refuse = (problem: string, fix: string) =>
    new LoadError(`dataset ${describeLoadProblem({ file: source, where, problem, fix })}`);
  if (looksLikeHtml(bytes, contentType))
    throw refuse(
      'an HTML page arrived instead of the JSONL dataset',
      'Static hosts answer a file that is not there with a web page: check the path or URL of the dataset',
    );
  const text = new TextDecoder().decode(bytes);
  if (text.replace(/^\uFEFF/, '').trim() === '')
    throw refuse(
      'the file is empty',
      'A dataset has one {"prompt": ..., "answer": ...} JSON object per line',
    );
  return text;
}

/**
 * Numeric match: both parse as finite numbers and |a - b| <= 1e-6 * max(1, |b|).
 * numericMatch('0.50', '.5') = true; numericMatch('1e3', '1000') = true; numericMatch('x', '1') = false.
 */
export function numericMatch(given: string, expected: string): boolean {
  const a = Number(given.trim());
  const b = Number(expected.trim());
  if (given.trim() === '' || !Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
}

export function datasetTask(o: z.infer<typeof datasetOptions>, rows: readonly DatasetRow[]): Task {
  if (rows.length === 0) throw new Error('dataset task: no rows');
  return {
    name: 'dataset',
    alphabet: alphabetOf(...rows.map((r) => r.prompt + r.answer), tagAlphabet(o.tag)),
    draw: (rng) => {
      const row = rows[rng.int(0, rows.length - 1)];
      return {
        prompt: row.prompt,
        answer: row.answer.trim(),
        gold: wrapAnswer(row.answer.trim(), o.tag),
        tag: o.tag,
      };
    },
    isCorrect: (s, completion) => {
      const given = extractAnswer(completion, s.tag);
      if (given === null) return false;
      switch (o.match) {
        case 'exact':
          return given === s.answer;
        case 'numeric':
          return numericMatch(given, s.answer);
        default:
          return o.match satisfies never;
      }
    },
  };
}
