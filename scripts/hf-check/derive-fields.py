#!/usr/bin/env python3
"""Regenerates the source-derived parts of engine/export/hf-tables/*.json and trl-grpo-config-fields.json.

The export tests hold TabRL's config.json, adapter_config.json and TRL script against these lists, so they
are read out of the real release sources with `ast` (nothing is imported or executed): the config classes
of transformers (two releases: the 5.x one the checks run against and the last 4.x one TRL 0.24 targets),
PEFT's LoraConfig, TRL's GRPOConfig and the TrainingArguments it inherits. Parameter names and shapes are
not derivable this way; they stay hand-written in the tables and scripts/hf-check/check.py verifies them
against a real `transformers` state dict.

Usage (each ROOT is an unpacked wheel or a checkout's package folder, the one holding `models/`):
  python3 scripts/hf-check/derive-fields.py --transformers 5.17.0=ROOT --transformers 4.57.6=ROOT \
      --peft 0.21.0=ROOT --trl-grpo-config 0.24.0=FILE [--write]
Without --write it prints which files differ from the sources (exit status 1 when any does).
"""

import argparse
import ast
import json
import pathlib
import sys

TABLES = pathlib.Path(__file__).resolve().parents[2] / "engine" / "export"
FAMILIES = {"gpt2": "GPT2Config", "llama": "LlamaConfig", "qwen2": "Qwen2Config"}


def class_node(path, name):
    tree = ast.parse(pathlib.Path(path).read_text())
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            return node
    raise SystemExit(f"{path}: no class {name}")


def default_text(value):
    """The default as written in the source (`field(default=X)` unwrapped), for the tables' readers."""
    if value is None:
        return None
    if isinstance(value, ast.Call) and getattr(value.func, "id", "") == "field":
        for kw in value.keywords:
            if kw.arg == "default":
                return ast.unparse(kw.value)
            if kw.arg == "default_factory":
                return ast.unparse(kw.value) + "()"
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Call):  # interval(...)(default=X)
        for kw in value.keywords:
            if kw.arg == "default":
                return ast.unparse(kw.value)
    return ast.unparse(value)


def declared_fields(path, name):
    """A class's constructor keywords: its explicit __init__'s (pre-5 config classes), else its dataclass
    fields (annotated, not ClassVar), each with the default as the source writes it."""
    node = class_node(path, name)
    for stmt in node.body:
        if isinstance(stmt, ast.FunctionDef) and stmt.name == "__init__":
            args = stmt.args.args[1:] + stmt.args.kwonlyargs
            defaults = [None] * (len(stmt.args.args) - 1 - len(stmt.args.defaults)) + stmt.args.defaults
            defaults += stmt.args.kw_defaults
            return {a.arg: default_text(d) for a, d in zip(args, defaults)}
    out = {}
    for stmt in node.body:
        if isinstance(stmt, ast.AnnAssign) and "ClassVar" not in ast.unparse(stmt.annotation):
            out[stmt.target.id] = default_text(stmt.value)
    if not out:
        raise SystemExit(f"{path}: {name} has neither an __init__ nor dataclass fields")
    return out


def common_config_class(root):
    text = (root / "configuration_utils.py").read_text()
    return "PreTrainedConfig" if "class PreTrainedConfig(" in text else "PretrainedConfig"


def pair(spec):
    version, _, path = spec.partition("=")
    if not path:
        raise argparse.ArgumentTypeError(f"expected VERSION=PATH, got {spec}")
    return version, pathlib.Path(path)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--transformers", type=pair, action="append", required=True)
    p.add_argument("--peft", type=pair, required=True)
    p.add_argument("--trl-grpo-config", type=pair, required=True)
    p.add_argument("--write", action="store_true")
    a = p.parse_args()

    updates = {}
    for family, cls in FAMILIES.items():
        table = json.loads((TABLES / "hf-tables" / f"{family}.json").read_text())
        table["hf_config_fields"] = {
            v: declared_fields(root / "models" / family / f"configuration_{family}.py", cls)
            for v, root in a.transformers
        }
        table["hf_common_config_fields"] = {
            v: declared_fields(root / "configuration_utils.py", common_config_class(root))
            for v, root in a.transformers
        }
        updates[TABLES / "hf-tables" / f"{family}.json"] = table

    peft_version, peft_root = a.peft
    peft = json.loads((TABLES / "hf-tables" / "peft-lora.json").read_text())
    peft["peft_version"] = peft_version
    peft["hf_config_fields"] = {
        **declared_fields(peft_root / "config.py", "PeftConfigMixin"),
        **declared_fields(peft_root / "config.py", "PeftConfig"),
        **declared_fields(peft_root / "tuners" / "lora" / "config.py", "LoraConfig"),
    }
    updates[TABLES / "hf-tables" / "peft-lora.json"] = peft

    trl_version, grpo_path = a.trl_grpo_config
    trl = json.loads((TABLES / "trl-grpo-config-fields.json").read_text())
    trl["trl_version"] = trl_version
    trl["grpo_config_fields"] = list(declared_fields(grpo_path, "GRPOConfig"))
    per_version = [
        list(declared_fields(root / "training_args.py", "TrainingArguments")) for _, root in a.transformers
    ]
    trl["training_arguments_fields"] = [f for f in per_version[0] if all(f in v for v in per_version[1:])]
    updates[TABLES / "trl-grpo-config-fields.json"] = trl

    changed = 0
    for path, value in updates.items():
        if json.loads(path.read_text()) != value:
            changed += 1
            print(f"{'writing' if a.write else 'would change'} {path.relative_to(TABLES.parents[1])}")
            if a.write:
                path.write_text(json.dumps(value, indent=2) + "\n")
    print(f"{changed} file(s) {'written (run npx biome format --write on them)' if a.write else 'differ'}")
    return 1 if changed and not a.write else 0


if __name__ == "__main__":
    sys.exit(main())
