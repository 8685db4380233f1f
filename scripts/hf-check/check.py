#!/usr/bin/env python3
"""Real `transformers` and PEFT against TabRL's exports (the fixtures make-fixtures.mts writes).

For every model folder: from_pretrained loads it with no missing, unexpected or mismatched keys; the
state dict transformers builds for its config.json has exactly the names and shapes the committed table
predicts (tied weights aside); the tokenizer encodes like TabRL's; and the logits match TabRL's float64
reference within ATOL. For LoRA fixtures also PeftModel.from_pretrained(base, adapter) (every lora_A/B
loaded bit-exactly), its merge_and_unload(), and the merged folder TabRL exports. Every TRL script is
byte-compiled and its GRPOConfig / TrainingArguments / LoraConfig keywords are checked against the field
list (and the installed transformers / peft). Prints one row per check; exits 1 when any fails.

Usage: python3 scripts/hf-check/check.py OUTDIR
"""

import ast
import dataclasses
import json
import pathlib
import py_compile
import sys
import traceback

import torch
import transformers
from safetensors import safe_open
from transformers import AutoModelForCausalLM, AutoTokenizer

ATOL = 1e-4
rows = []  # (fixture, check, ok, detail)


def record(fixture, check, ok, detail=""):
    rows.append((fixture, check, bool(ok), detail))


def guarded(fixture, check, fn):
    """Runs one check; an exception is a failed row with its message, not a crash of the whole run."""
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - every failure becomes a row
        record(fixture, check, False, f"{type(e).__name__}: {e}".splitlines()[0][:160])
        traceback.print_exc(file=sys.stderr)
        return None


def load_causal_lm(folder):
    model, info = AutoModelForCausalLM.from_pretrained(
        folder, dtype=torch.float32, output_loading_info=True
    )
    return model.eval(), info


def loading_clean(fixture, check, info):
    bad = {k: v for k, v in info.items() if k in ("missing_keys", "unexpected_keys", "mismatched_keys") and v}
    record(fixture, check, not bad, json.dumps({k: sorted(map(str, v))[:4] for k, v in bad.items()}) if bad else "")


def logits_of(model, input_ids):
    with torch.no_grad():
        return model(input_ids=torch.tensor(input_ids)).logits.double()


def compare_logits(fixture, check, got, expected):
    want = torch.tensor(expected, dtype=torch.float64)
    if got.shape != want.shape:
        record(fixture, check, False, f"shape {tuple(got.shape)} vs expected {tuple(want.shape)}")
        return
    diff = (got - want).abs().max().item()
    record(fixture, check, diff <= ATOL, f"max |diff| {diff:.3e}")


def state_dict_matches_table(fixture, model, table):
    """transformers' own parameter names and shapes for this config vs the table (tied copies dropped)."""
    tied = set()
    if getattr(model.config, "tie_word_embeddings", False):
        tied = set(getattr(model, "_tied_weights_keys", None) or ["lm_head.weight"])
    got = [(k, list(v.shape)) for k, v in model.state_dict().items() if k not in tied]
    want = [(e["name"], e["shape"]) for e in table]
    if got == want:
        record(fixture, "state dict == table (names, order, shapes)", True, f"{len(got)} tensors")
        return
    gs, ws = {k: s for k, s in got}, {k: s for k, s in want}
    extra = [k for k in gs if k not in ws]
    missing = [k for k in ws if k not in gs]
    shapes = [f"{k} {gs[k]} vs {ws[k]}" for k in gs if k in ws and gs[k] != ws[k]]
    what = f"not in table {extra[:3]}; not in model {missing[:3]}; shapes {shapes[:3]}"
    if not (extra or missing or shapes):
        what = "same set, different order"
    record(fixture, "state dict == table (names, order, shapes)", False, what)


def file_names_and_shapes(path):
    with safe_open(str(path), framework="pt") as f:
        return {k: list(f.get_slice(k).get_shape()) for k in f.keys()}


def check_tokenizer(fixture, folder, expected):
    tok = AutoTokenizer.from_pretrained(folder)
    ids = tok.encode(expected["tokenizer_text"], add_special_tokens=False)
    want = expected["tokenizer_ids"]
    detail = f"{type(tok).__name__}, {len(ids)} ids" if ids == want else f"{type(tok).__name__}: {ids} vs TabRL {want}"
    record(fixture, "tokenizer encodes like TabRL", ids == want, detail)


def check_full(name, folder, expected):
    model, info = load_causal_lm(folder)
    loading_clean(name, "from_pretrained: no missing/unexpected keys", info)
    state_dict_matches_table(name, model, expected["table_state_dict"])
    compare_logits(name, "logits vs TabRL float64 reference", logits_of(model, expected["input_ids"]), expected["logits"])
    guarded(name, "tokenizer encodes like TabRL", lambda: check_tokenizer(name, folder, expected))


def check_peft(name, folder, expected):
    from peft import PeftModel
    from peft.utils import get_peft_model_state_dict

    base, info = load_causal_lm(folder / "base")
    loading_clean(name, "base from_pretrained: no missing/unexpected keys", info)
    state_dict_matches_table(name, base, expected["table_state_dict"])
    model = PeftModel.from_pretrained(base, str(folder / "adapter")).eval()
    stored = {}
    with safe_open(str(folder / "adapter" / "adapter_model.safetensors"), framework="pt") as f:
        for k in f.keys():
            stored[k] = f.get_tensor(k)
    loaded = get_peft_model_state_dict(model)
    same_keys = sorted(loaded) == sorted(stored)
    exact = same_keys and all(torch.equal(loaded[k].float().cpu(), stored[k].float()) for k in stored)
    record(name, "PEFT adapter: every lora_A/B loaded exactly", exact, f"{len(stored)} tensors" if exact else f"keys file {sorted(stored)[:2]} model {sorted(loaded)[:2]}")
    compare_logits(name, "PeftModel logits vs TabRL reference", logits_of(model, expected["input_ids"]), expected["logits"])
    merged_in_python = model.merge_and_unload()
    compare_logits(name, "merge_and_unload logits vs reference", logits_of(merged_in_python, expected["input_ids"]), expected["logits"])
    merged, info = load_causal_lm(folder / "merged")
    loading_clean(name, "merged from_pretrained: no missing/unexpected keys", info)
    compare_logits(name, "TabRL merged export logits vs reference", logits_of(merged, expected["input_ids"]), expected["logits"])
    ours = file_names_and_shapes(folder / "merged" / "model.safetensors")
    theirs = {k: list(v.shape) for k, v in merged_in_python.state_dict().items() if k in ours}
    record(name, "merged export names/shapes == PEFT merge", ours == theirs, f"{len(ours)} tensors")


def grpo_keywords(tree, callee):
    return [
        k.arg
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and getattr(n.func, "id", "") == callee
        for k in n.keywords
    ]


def check_trl(trl_dir):
    fields = json.loads((trl_dir / "grpo-config-fields.json").read_text())
    allowed = set(fields["grpo_config_fields"]) | set(fields["training_arguments_fields"])
    training_args = {f.name for f in dataclasses.fields(transformers.TrainingArguments)}
    listed_training = set(fields["training_arguments_fields"])
    record(
        "trl",
        f"listed TrainingArguments fields exist in transformers {transformers.__version__}",
        listed_training <= training_args,
        f"absent: {sorted(listed_training - training_args)[:5]}" if not listed_training <= training_args else f"{len(listed_training)} fields",
    )
    try:
        from peft import LoraConfig

        lora_fields = {f.name for f in dataclasses.fields(LoraConfig)}
    except ImportError:
        lora_fields = None
    for script in sorted(trl_dir.glob("*.py")):
        name = f"trl/{script.name}"
        try:
            py_compile.compile(str(script), doraise=True)
            record(name, "py_compile", True)
        except py_compile.PyCompileError as e:
            record(name, "py_compile", False, str(e).splitlines()[0][:160])
            continue
        tree = ast.parse(script.read_text())
        used = grpo_keywords(tree, "GRPOConfig")
        unknown = [k for k in used if k not in allowed]
        record(name, f"GRPOConfig kwargs in TRL {fields['trl_version']} fields", used and not unknown, f"{len(used)} kwargs" + (f", unknown {unknown}" if unknown else ""))
        inherited = [k for k in used if k in listed_training and k not in fields["grpo_config_fields"]]
        missing = [k for k in inherited if k not in training_args]
        record(name, "inherited kwargs are real TrainingArguments fields", not missing, f"missing {missing}" if missing else f"{len(inherited)} kwargs")
        lora_used = grpo_keywords(tree, "LoraConfig")
        if lora_used and lora_fields is not None:
            bad = [k for k in lora_used if k not in lora_fields]
            record(name, "LoraConfig kwargs are real peft fields", not bad, f"unknown {bad}" if bad else f"{len(lora_used)} kwargs")


def print_table():
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    print(f"transformers {transformers.__version__}, torch {torch.__version__}, atol {ATOL}")
    print(f"{'fixture'.ljust(w0)}  {'check'.ljust(w1)}  result  detail")
    print(f"{'-' * w0}  {'-' * w1}  ------  ------")
    for fixture, check, ok, detail in rows:
        print(f"{fixture.ljust(w0)}  {check.ljust(w1)}  {'ok' if ok else 'FAIL':6}  {detail}")
    failed = sum(1 for r in rows if not r[2])
    print(f"\n{len(rows) - failed} passed, {failed} failed")
    return failed


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    root = pathlib.Path(sys.argv[1])
    fixtures = sorted(p.parent for p in root.glob("*/expected.json"))
    if not fixtures:
        print(f"no */expected.json under {root}: run make-fixtures.mts first")
        return 2
    torch.manual_seed(0)
    for folder in fixtures:
        expected = json.loads((folder / "expected.json").read_text())
        name = folder.name
        runner = check_full if expected["kind"] == "full" else check_peft
        guarded(name, f"load and compare ({expected['kind']})", lambda: runner(name, folder, expected))
    if (root / "trl").is_dir():
        guarded("trl", "scripts", lambda: check_trl(root / "trl"))
    else:
        record("trl", "scripts present", False, f"no {root / 'trl'}")
    return 1 if print_table() else 0


if __name__ == "__main__":
    sys.exit(main())
