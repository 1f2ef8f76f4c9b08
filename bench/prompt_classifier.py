"""What the optional prompt classifier (PROMPT_CLASSIFIER) costs per prompt, next to the lists.

    .venv/bin/python bench/prompt_classifier.py [--prompts 200] [--threads N] [--csv FILE]

The hub may not be reachable, and speed does not depend on the weights' values, so the
model is DistilBERT-base's architecture (66 M parameters, the size of the small NSFW and
toxicity classifiers on the hub) with random weights, saved to a temporary folder and
loaded through the same ``PromptClassifier`` the bot uses. Its tokenizer knows every word
of the prompts, so each prompt is as many tokens as words, about what a real 30,000-word
vocabulary gives. Prints the medians and 95th percentiles of one check (the least of three
runs per prompt), the lists' for the same prompts, and the ratio.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studio.moderation.classifier import PromptClassifier
from studio.moderation.prompts import PromptPolicy


def build_model(folder: Path, prompts: list[str]) -> None:
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
    from transformers import (
        DistilBertConfig,
        DistilBertForSequenceClassification,
        PreTrainedTokenizerFast,
    )

    words = sorted({w for p in prompts for w in re.findall(r"\w+|[^\w\s]", p.lower())})
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = {token: i for i, token in enumerate([*specials, *words])}
    core = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    core.normalizer = normalizers.Lowercase()
    core.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=512,
    )
    config = DistilBertConfig(
        vocab_size=30522, num_labels=2, id2label={0: "SAFE", 1: "NSFW"}
    )  # the real model's vocabulary size: the embedding table weighs what it would
    torch.manual_seed(0)
    DistilBertForSequenceClassification(config).eval().save_pretrained(folder)
    tokenizer.save_pretrained(folder)


def timed(check: Callable[[str], object], prompts: list[str]) -> list[float]:
    for prompt in prompts[:5]:
        check(prompt)  # warm-up
    times = []
    for prompt in prompts:
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            check(prompt)
            best = min(best, time.perf_counter() - started)
        times.append(best)
    return sorted(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=Path("tests/data/eval_prompts.csv"))
    parser.add_argument("--prompts", type=int, default=200)
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's own)")
    args = parser.parse_args()
    with args.csv.open(encoding="utf-8", newline="") as handle:
        prompts = [row["prompt"] for row in csv.DictReader(handle)][: args.prompts]
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as folder:
        build_model(Path(folder), prompts)
        classifier = PromptClassifier(folder, threshold=0.8)
        started = time.perf_counter()
        classifier.check("warm-up")
        first = time.perf_counter() - started
        model_times = timed(classifier.check, prompts)
    policy = PromptPolicy.default()
    list_times = timed(policy.check, prompts)

    def line(name: str, times: list[float]) -> float:
        median = statistics.median(times)
        p95 = times[int(0.95 * (len(times) - 1))]
        print(f"{name}: median {median * 1e3:.2f} ms, p95 {p95 * 1e3:.2f} ms")
        return median

    print(
        f"{len(prompts)} prompts from {args.csv}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads; first check (load) {first:.1f} s"
    )
    lists = line("lists", list_times)
    model = line("classifier (DistilBERT-base size)", model_times)
    print(f"classifier ÷ lists: {model / lists:.0f}")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
