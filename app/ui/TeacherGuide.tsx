/**
 * The teacher's guide: how to run TabRL in a class, what each preset shows and what to ask students.
 * Preset names and papers come from engine/config, so the guide follows the presets.
 */
import { PRESETS } from '../../engine/config/index.js';
import { useConfigStore } from '../state/config-store.js';
import { useUiStore } from '../state/ui-store.js';

/** Questions per preset; presets without an entry get the general ones. */
export const QUESTIONS: Record<string, string[]> = {
  smoke: [
    'Reward starts near chance. Why is it not zero?',
    'What would happen with one sample per prompt instead of a group?',
  ],
  arithmetic: [
    'Why does frac_reward_zero_std start high, and why does it fall?',
    'Pause, open the group inspector: find a group where every answer is wrong. What does the model learn from it?',
  ],
  sorting: [
    'eval/pass@1 climbs while eval/greedy barely moves. What is RL changing about the model, if not what its best guess is?',
    'Why does entropy fall as pass@1 rises? Where does pass@1 stop, judging by the dotted pass@8 line?',
  ],
  grpo: [
    'What does dividing by the group standard deviation do to an easy prompt that 7 of 8 answers get right?',
  ],
  dr_grpo: ['Overlay GRPO and Dr. GRPO on the same seed. Where do the curves part, and why?'],
  dapo: ['Why would a wider upper clip keep entropy from collapsing?'],
  rloo: ['Compare the RLOO advantage of the best answer in a group with its GRPO advantage.'],
  reinforce: ['Why is a moving-average baseline noisier than a group baseline?'],
  ppo: ['What does the value head predict, and when is it wrong?'],
  rft: ['Which answers does rejection sampling throw away, and what does it never learn from?'],
  sft: ['Why does loss fall even when eval/greedy stays at zero for a while?'],
};

const GENERAL = [
  'What does the reward chart measure, exactly?',
  'What would you change to make learning faster? Try it.',
];

export function TeacherGuide() {
  const setView = useUiStore((s) => s.setView);
  const setPresenter = useUiStore((s) => s.setPresenter);
  const choosePreset = useConfigStore((s) => s.choosePreset);
  return (
    <article className="card guide" aria-labelledby="guide-title">
      <h2 id="guide-title">Teacher's guide</h2>
      <p>
        TabRL trains a tiny language model with reinforcement learning in the browser tab. Each step it
        samples a group of answers to a few prompts, scores them with a checkable reward, and nudges the model
        towards the answers that beat their group. Nothing is sent to a server.
      </p>
      <h3>In class</h3>
      <ol>
        <li>Pick a preset below, then switch on presenter mode: large type, four charts, high contrast.</li>
        <li>Press Start and let the room predict the reward curve before it appears. Pause to discuss.</li>
        <li>
          Open the group inspector: read a group aloud, and ask which answer gets the largest advantage.
        </li>
        <li>
          Copy share link hands out the exact experiment. Add <code>&amp;hide=algorithm,learning_rate</code>{' '}
          to the link to hide controls students should not touch yet.
        </li>
      </ol>
      <h3>The presets</h3>
      <dl className="guide-presets">
        {PRESETS.map((p) => (
          <div key={p.name} className="guide-preset">
            <dt>
              {p.title}{' '}
              <button
                type="button"
                onClick={() => {
                  choosePreset(p.name);
                  setView('lab');
                }}
              >
                Open<span className="sr-only"> preset {p.title}</span>
              </button>
            </dt>
            <dd>
              <p>{p.description}</p>
              <p>Ask:</p>
              <ul>
                {(QUESTIONS[p.name] ?? GENERAL).map((q) => (
                  <li key={q}>{q}</li>
                ))}
              </ul>
              {p.paper && (
                <p>
                  Paper: <a href={p.paper.url}>{p.paper.title}</a>
                </p>
              )}
            </dd>
          </div>
        ))}
      </dl>
      <p>
        <button type="button" onClick={() => setView('lab')}>
          Back to the lab
        </button>{' '}
        <button
          type="button"
          onClick={() => {
            setPresenter(true);
            setView('lab');
          }}
        >
          Open presenter mode
        </button>
      </p>
    </article>
  );
}
