/**
 * The papers TabRL's methods and experiments come from (the seed page of papers), one entry each, cited by
 * title. Cards, the config panel's "Methods from the papers" group and the experiments gallery link
 * here, so a title is spelled once. `url` is the paper's arXiv page where the project has it, else a
 * Hugging Face Papers search for the exact title (which lands on the paper's page).
 */

export interface Paper {
  title: string;
  url: string;
  /** The method's or paper's usual short name, the text of a link beside an option. */
  short?: string;
}

function byTitle(title: string, short?: string): Paper {
  const url = `https://huggingface.co/papers?q=${encodeURIComponent(title)}`;
  return short ? { title, url, short } : { title, url };
}

export const PAPERS = {
  grpo: {
    title: 'DeepSeekMath: Pushing the Limits of Mathematical Reasoning in Open Language Models (GRPO)',
    url: 'https://arxiv.org/abs/2402.03300',
  },
  drGrpo: {
    title: 'Understanding R1-Zero-Like Training: A Critical Perspective',
    url: 'https://arxiv.org/abs/2503.20783',
  },
  dapo: {
    title: 'DAPO: An Open-Source LLM Reinforcement Learning System at Scale',
    url: 'https://arxiv.org/abs/2503.14476',
  },
  rloo: {
    title: 'Back to Basics: Revisiting REINFORCE Style Optimization for Learning from Human Feedback in LLMs',
    url: 'https://arxiv.org/abs/2402.14740',
  },
  reft: byTitle('ReFT: Reasoning with Reinforced Fine-Tuning', 'ReFT'),
  dartMath: byTitle(
    'DART-Math: Difficulty-Aware Rejection Tuning for Mathematical Problem-Solving',
    'DART-Math',
  ),
  forgetting: byTitle('Reinforcement Fine-Tuning Naturally Mitigates Forgetting in Continual Post-Training'),
  mllmCBench: byTitle(
    'MLLM-CBench: A Comprehensive Benchmark for Continual Instruction Tuning of Multimodal LLMs with Chain-of-Thought Reasoning Analysis',
  ),
  polychromic: byTitle('Polychromic Objectives for Reinforcement Learning'),
  rlhfDiversity: byTitle('Understanding the Effects of RLHF on LLM Generalisation and Diversity'),
  prefixRft: byTitle('Blending Supervised and Reinforcement Fine-Tuning with Prefix Sampling', 'Prefix-RFT'),
  relift: byTitle(
    "Learning What Reinforcement Learning Can't: Interleaved Online Fine-Tuning for Hardest Questions",
    'ReLIFT',
  ),
  hft: byTitle('HFT: Half Fine-Tuning for Large Language Models', 'HFT'),
  interpolation: byTitle(
    'In Search of the Successful Interpolation: On the Role of Sharpness in CLIP Generalization',
    'interpolation',
  ),
  rlGuidance: byTitle(
    'Inference-Time Alignment Control for Diffusion Models with Reinforcement Learning Guidance',
    'RL guidance',
  ),
  dft: byTitle(
    'On the Generalization of SFT: A Reinforcement Learning Perspective with Reward Rectification',
    'DFT',
  ),
  asft: byTitle('Anchored Supervised Fine-Tuning', 'ASFT'),
  s3ft: byTitle(
    'Selective Self-to-Supervised Fine-Tuning for Generalization in Large Language Models',
    'S3FT',
  ),
} as const satisfies Record<string, Paper>;

export type PaperKey = keyof typeof PAPERS;

/** The papers behind each RunConfig option of the "Methods from the papers" group. */
export const OPTION_PAPERS: Readonly<Record<string, readonly PaperKey[]>> = {
  sft_loss: ['dft', 'asft'],
  anchor_beta: ['asft'],
  prefix_sampling: ['prefixRft'],
  relift: ['relift'],
  freeze: ['hft'],
  guidance_weight: ['rlGuidance'],
  sft_targets: ['s3ft'],
};
