import { describe, expect, it } from 'vitest';
import { createRng } from '../rl/random';
import { DEFAULT_ALPHABET } from '../tokenizers/char-tokenizer';
import { evaluateExpression, usesAtMostOnce } from './expression';
import { createTask, numericMatch, parseJsonlDataset } from './index';
import { type TaskOptions, taskOptions } from './options';
import { drawTrainingBatch, heldOutSet, isHeldOut } from './split';
import { extractAnswer } from './types';

const opts = (o: unknown): TaskOptions => taskOptions.parse(o);

describe('expression parser', () => {
  it('evaluates exactly with precedence and parentheses', () => {
    const v = (s: string) => {
      const r = evaluateExpression(s);
      if (!r.ok) throw new Error(r.error);
      return `${r.value.num}/${r.value.den} [${r.numbers}]`;
    };
    expect(v('3*4-2')).toBe('10/1 [3,4,2]');
    expect(v('(1+2)/4')).toBe('3/4 [1,2,4]');
    expect(v(' 8 / ( 3 - 8/3 ) ')).toBe('24/1 [8,3,8,3]');
    expect(v('10-2-3')).toBe('5/1 [10,2,3]');
    expect(v('12/2/3')).toBe('2/1 [12,2,3]');
  });

  it('refuses bad input without throwing', () => {
    for (const [src, msg] of [
      ['2/(1-1)', /division by zero/],
      ['2**3', /unexpected '\*'/],
      ['-3+4', /unexpected '-'/],
      ['(1+2', /expected '\)'/],
      ['', /empty/],
      ['1+', /unexpected end/],
      ['alert(1)', /unexpected 'a'/],
      ['('.repeat(40) + '1' + ')'.repeat(40), /nested too deeply/],
    ] as const) {
      const r = evaluateExpression(src);
      expect(r.ok, src).toBe(false);
      if (!r.ok) expect(r.error, src).toMatch(msg);
    }
  });

  it('usesAtMostOnce checks a sub-multiset', () => {
    expect(usesAtMostOnce([3, 4], [3, 4, 2])).toBe(true);
    expect(usesAtMostOnce([4, 4], [3, 4, 2])).toBe(false);
    expect(usesAtMostOnce([4, 4], [4, 4, 2])).toBe(true);
  });
});

describe('tasks', () => {
  it('addition: prompt a+b=, answer a+b; gold scores; same seed same prompts', () => {
    const task = createTask(opts({ name: 'addition', digits: 2 }));
    const a = drawTrainingBatch(task, createRng(5), 20, 0.1);
    const b = drawTrainingBatch(task, createRng(5), 20, 0.1);
    expect(b).toEqual(a);
    for (const s of a) {
      const [x, y] = s.prompt.slice(0, -1).split('+').map(Number);
      expect(x).toBeLessThan(100);
      expect(s.answer).toBe(String(x + y));
      expect(task.isCorrect(s, s.gold)).toBe(true);
      expect(task.isCorrect(s, String(x + y + 1))).toBe(false);
      for (const ch of s.prompt + s.gold) expect(task.alphabet).toContain(ch);
    }
    expect(task.alphabet).toBe('+0123456789=');
  });

  it('multiplication with a tag: gold <a>408</a>, bare answer is wrong', () => {
    const task = createTask(opts({ name: 'multiplication', digits: 2, tag: 'a' }));
    const s = { prompt: '12*34=', answer: '408', gold: '<a>408</a>', tag: 'a' };
    expect(task.isCorrect(s, '<a>408</a>')).toBe(true);
    expect(task.isCorrect(s, '408')).toBe(false);
    const drawn = task.draw(createRng(1));
    expect(drawn.gold).toMatch(/^<a>\d+<\/a>$/);
    for (const ch of '</>a') expect(task.alphabet).toContain(ch);
  });

  it('countdown: every drawn prompt is solvable by its gold; the verifier rejects reuse and wrong targets', () => {
    const task = createTask(opts({ name: 'countdown', count: 4, max_number: 9, max_target: 50 }));
    const rng = createRng(9);
    for (let i = 0; i < 50; i++) {
      const s = task.draw(rng);
      expect(s.numbers).toHaveLength(4);
      expect(task.isCorrect(s, s.gold), `${s.prompt} ${s.gold}`).toBe(true);
      expect(Number(s.answer)).toBeGreaterThanOrEqual(1);
      expect(Number(s.answer)).toBeLessThanOrEqual(50);
      for (const ch of s.prompt + s.gold) expect(task.alphabet).toContain(ch);
    }
    const s = { prompt: '3 4 2:10=', answer: '10', gold: '3*4-2', tag: null, numbers: [3, 4, 2] };
    expect(task.isCorrect(s, '3*4-2')).toBe(true);
    expect(task.isCorrect(s, '2*(4+3)-4')).toBe(false); // 4 used twice
    expect(task.isCorrect(s, '4*3')).toBe(false); // 12
    expect(task.isCorrect(s, '10')).toBe(false); // 10 not given
    expect(task.isCorrect(s, '4/2*3+4')).toBe(false); // reuse
    expect(task.isCorrect(s, '(3+2)*(4/2)')).toBe(false); // 2 twice
    expect(task.isCorrect(s, '(4-2)*3+4')).toBe(false);
  });

  it('sorting and reversal: answers and alphabets', () => {
    const sort = createTask(opts({ name: 'sorting', length: 4 }));
    const s = sort.draw(createRng(2));
    expect(s.prompt).toMatch(/^\[\d{4}\]=$/);
    expect(s.answer).toBe([...s.prompt.slice(1, 5)].sort().join(''));
    const rev = createTask(opts({ name: 'reversal', length: 2, symbols: 'abcd' }));
    const r = rev.draw(createRng(3));
    expect(r.prompt).toMatch(/^\{[abcd]{2}\}=$/);
    expect(r.answer).toBe(r.prompt[2] + r.prompt[1]);
    expect(rev.alphabet).toBe('=abcd{}');
  });

  it('extractAnswer reads the first tag pair', () => {
    expect(extractAnswer(' <a>46</a>', 'a')).toBe('46');
    expect(extractAnswer('46', 'a')).toBeNull();
    expect(extractAnswer('<a>46', 'a')).toBeNull();
    expect(extractAnswer(' 46 ', null)).toBe('46');
  });
});

describe('held-out split', () => {
  it('training and eval prompts never overlap, and eval prompts are distinct and stable', () => {
    const task = createTask(opts({ name: 'addition', digits: 1 })); // 100 prompts
    const train = drawTrainingBatch(task, createRng(1), 400, 0.2);
    const evalSet = heldOutSet(task, createRng(2), 50, 0.2);
    const trainPrompts = new Set(train.map((s) => s.prompt));
    expect(evalSet.length).toBeGreaterThan(5);
    expect(evalSet.length).toBeLessThan(50); // only ~20 of 100 prompts are held out
    for (const s of evalSet) expect(trainPrompts.has(s.prompt)).toBe(false);
    expect(new Set(evalSet.map((s) => s.prompt)).size).toBe(evalSet.length);
    expect(heldOutSet(task, createRng(2), 50, 0.2)).toEqual(evalSet);
    for (const s of evalSet) expect(isHeldOut(s.prompt, 0.2)).toBe(true);
  });

  it('the smoke task space (reversal of 2 of 0123, 16 prompts) has both sides non-empty at 0.25', () => {
    const task = createTask(opts({ name: 'reversal', length: 2, symbols: '0123', held_out_fraction: 0.25 }));
    const evalSet = heldOutSet(task, createRng(1), 16, 0.25);
    const train = new Set(drawTrainingBatch(task, createRng(1), 200, 0.25).map((s) => s.prompt));
    expect(evalSet.length).toBeGreaterThan(0);
    expect(train.size).toBeGreaterThan(8);
    expect(evalSet.length + train.size).toBe(16);
  });

  it('says so when a space is too small to split', () => {
    const task = createTask(opts({ name: 'reversal', length: 1, symbols: 'ab' }));
    expect(() => drawTrainingBatch(task, createRng(1), 1, 0.99)).toThrow(
      /too small for held_out_fraction 0.99/,
    );
  });
});

describe('dataset task', () => {
  it('refuses bad lines with their numbers, all at once', () => {
    const r = parseJsonlDataset(
      '{"prompt":"1+1=","answer":"2"}\n\nnot json\n{"prompt":"x"}\n[1]\n{"prompt":"","answer":"1"}',
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toHaveLength(4);
      expect(r.errors[0]).toMatch(/^line 3: not valid JSON/);
      expect(r.errors[1]).toBe('line 4: "answer" must be a string or a finite number');
      expect(r.errors[2]).toMatch(/^line 5: must be a JSON object/);
      expect(r.errors[3]).toBe('line 6: "prompt" must be a non-empty string');
    }
    expect(parseJsonlDataset('\n\n')).toEqual({ ok: false, errors: ['the dataset has no lines'] });
  });

  it('a leading byte order mark is not part of line 1', () => {
    expect(parseJsonlDataset('\uFEFF{"prompt":"1+1=","answer":2}\r\n')).toEqual({
      ok: true,
      rows: [{ prompt: '1+1=', answer: '2' }],
    });
  });

  it('exact and numeric match', () => {
    const parsed = parseJsonlDataset('{"prompt":"half=","answer":0.5}\n{"prompt":"hi=","answer":" yo "}\n');
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    const exact = createTask(opts({ name: 'dataset', source: 'x.jsonl' }), { rows: parsed.rows });
    const numeric = createTask(opts({ name: 'dataset', source: 'x.jsonl', match: 'numeric' }), {
      rows: parsed.rows,
    });
    const half = { prompt: 'half=', answer: '0.5', gold: '0.5', tag: null };
    expect(exact.isCorrect(half, '.5')).toBe(false);
    expect(numeric.isCorrect(half, '.5')).toBe(true);
    expect(numeric.isCorrect(half, '0.5000001')).toBe(true);
    expect(numeric.isCorrect(half, '0.51')).toBe(false);
    expect(exact.isCorrect({ prompt: 'hi=', answer: 'yo', gold: 'yo', tag: null }, ' yo')).toBe(true);
    expect(numericMatch('1e3', '1000')).toBe(true);
    expect(numericMatch('', '0')).toBe(false);
    expect(() => createTask(opts({ name: 'dataset', source: 'x.jsonl' }))).toThrow(/not loaded/);
    expect(exact.alphabet).toContain('h');
  });
});

describe('alphabets', () => {
  it('every built-in task without tags fits the default char tokenizer, so the default and smoke models run it', () => {
    const all: unknown[] = [
      { name: 'addition', digits: 3 },
      { name: 'multiplication' },
      { name: 'countdown', count: 5 },
      { name: 'sorting' },
      { name: 'reversal' },
    ];
    for (const o of all) {
      const task = createTask(opts(o));
      for (const ch of task.alphabet)
        expect(DEFAULT_ALPHABET, `${task.name} uses ${JSON.stringify(ch)}`).toContain(ch);
      const s = task.draw(createRng(4));
      for (const ch of s.prompt + s.gold) expect(task.alphabet).toContain(ch);
    }
  });

  it('tags add their letters and < / >', () => {
    const task = createTask(opts({ name: 'sorting', tag: 'ans' }));
    for (const ch of '</>ans') expect(task.alphabet).toContain(ch);
  });
});
