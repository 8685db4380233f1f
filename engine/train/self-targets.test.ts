/**
 * Self targets' rule by hand (engine/train/self-targets.ts), with a fake greedy answerer: a correct
 * greedy answer of the reference becomes the target and a wrong one (or one cut off before EOS) does
 * not; each prompt is decoded once and then read from the cache; the cache round-trips through its
 * trainer-state form and bad state is refused.
 */
import { describe, expect, it } from 'vitest';
import type { TaskSample } from '../tasks/types';
import {
  chooseTargets,
  fillSelfTargets,
  type GreedyAnswer,
  restoreSelfTargets,
  type SelfTargetCache,
  saveSelfTargets,
} from './self-targets';

const EOS = 1;
const sample = (prompt: string, answer: string): TaskSample => ({ prompt, answer, gold: answer, tag: null });
/** Character tokens: '0' -> 10, '1' -> 11, ... */
const ids = (text: string) => [...text].map((ch) => 10 + Number(ch));
const isCorrect = (s: TaskSample, completion: string) => completion === s.answer;

describe('self targets', () => {
  it('a correct greedy answer of the reference becomes the target; a wrong one does not', async () => {
    const a = sample('{12}=', '21');
    const b = sample('{20}=', '02');
    const c = sample('{11}=', '11');
    // the reference answers a correctly, b wrongly, and c correctly but without stopping
    const replies: Record<string, GreedyAnswer> = {
      '{12}=': { completionIds: [...ids('21'), EOS], text: '21', finished: true },
      '{20}=': { completionIds: [...ids('00'), EOS], text: '00', finished: true },
      '{11}=': { completionIds: ids('111'), text: '11', finished: false },
    };
    const asked: string[][] = [];
    const answer = async (missing: readonly TaskSample[]) => {
      asked.push(missing.map((s) => s.prompt));
      return missing.map((s) => replies[s.prompt]);
    };
    const cache: SelfTargetCache = new Map();
    const samples = [a, b, a, c];
    // gold rows as goldRows builds them: prompt ids, then the gold answer and EOS (here a different
    // spelling of a's answer, so the test can tell the two targets apart)
    const gold = samples.map((s) => ({
      promptIds: [2, 3],
      completionIds: s === a ? [...ids('21'), 99, EOS] : [...ids(s.gold), EOS],
    }));
    await fillSelfTargets(cache, samples, answer, isCorrect);
    expect(asked).toEqual([['{12}=', '{20}=', '{11}=']]); // each prompt once
    const r = chooseTargets(samples, gold, cache);
    expect(r.rows[0]).toEqual({ promptIds: [2, 3], completionIds: [12, 11, EOS] }); // self
    expect(r.rows[1]).toBe(gold[1]); // wrong: gold
    expect(r.rows[2]).toEqual({ promptIds: [2, 3], completionIds: [12, 11, EOS] });
    expect(r.rows[3]).toBe(gold[3]); // cut off before EOS: gold
    expect(r.selfFraction).toBe(2 / 4);
    // the next step asks only for prompts it has not seen
    replies['{00}='] = { completionIds: [10, 10, EOS], text: '00', finished: true };
    await fillSelfTargets(cache, [b, sample('{00}=', '00'), a], answer, isCorrect);
    expect(asked.length).toBe(2);
    expect(asked[1]).toEqual(['{00}=']);
  });

  it('the cache survives its trainer-state form; malformed state is refused', () => {
    const cache: SelfTargetCache = new Map([
      ['{12}=', { completionIds: [12, 11, 1], accepted: true }],
      ['{20}=', { completionIds: [10, 10, 1], accepted: false }],
    ]);
    const json = JSON.parse(JSON.stringify(saveSelfTargets(cache)));
    expect(json).toEqual([
      ['{12}=', [12, 11, 1], true],
      ['{20}=', [10, 10, 1], false],
    ]);
    expect(restoreSelfTargets(json)).toEqual(cache);
    expect(restoreSelfTargets(undefined).size).toBe(0);
    expect(() => restoreSelfTargets([['{12}=', [1.5], true]])).toThrow(/self_targets/);
    expect(() => restoreSelfTargets({})).toThrow(/self_targets/);
    expect(() => chooseTargets([sample('{9}=', '9')], [{ promptIds: [], completionIds: [] }], cache)).toThrow(
      /no answer/,
    );
  });
});
