"""The optional learned layer, offline: tiny random-weight BERT classifiers built from a
config (no hub), saved to a folder as an operator's download would be."""

from __future__ import annotations

import math
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from data.store import Store
from studio.moderation.classifier import PromptClassifier, category_of
from studio.moderation.service import ModerationDefaults, Moderator

WORDS = [
    "a",
    "an",
    "the",
    "cat",
    "dog",
    "purple",
    "mammoth",
    "giant",
    "on",
    "in",
    "with",
    "of",
    "and",
    "painting",
    "photo",
]


def build(folder: Path, labels: list[str], probabilities: list[float]) -> Path:
    """A 1-layer BERT whose head always gives ``probabilities`` (zero weights, set bias):
    the code path is what is tested, not a model's judgement."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    vocab = {token: i for i, token in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", *WORDS])}
    core = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    core.normalizer = normalizers.Lowercase()
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        model_max_length=64,
    )
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    torch.manual_seed(0)
    model = BertForSequenceClassification(config).eval()
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor([math.log(p) for p in probabilities]))
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module", autouse=True)
def torch_threads():
    """The classifier pins torch to one thread (as the bot would); later tests get theirs."""
    import torch

    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def nsfw_model(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("nsfw"), ["SAFE", "NSFW"], [0.1, 0.9])


@pytest.fixture(scope="module")
def toxic_model(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("toxic"), ["neutral", "toxic"], [0.3, 0.7])


def test_an_unsafe_label_at_the_threshold_blocks_and_names_its_category(nsfw_model):
    strict = PromptClassifier(str(nsfw_model), threshold=0.8)
    scores = strict.scores("a purple mammoth")
    assert scores.keys() == {"SAFE", "NSFW"} and scores["NSFW"] == pytest.approx(0.9, abs=1e-4)
    decision = strict.check("a purple mammoth")
    assert decision.as_dict() == {"allowed": False, "category": "sexual", "term": "NSFW 0.90"}
    assert PromptClassifier(str(nsfw_model), threshold=0.95).check("a purple mammoth").allowed


def test_a_safe_label_never_blocks(tmp_path):
    model = build(tmp_path / "safe", ["SAFE", "NSFW"], [0.99, 0.01])
    assert PromptClassifier(str(model), threshold=0.5).check("a cat on a dog").allowed


@pytest.mark.parametrize(
    ("label", "category"),
    [
        ("NSFW", "sexual"),
        ("porn", "sexual"),
        ("toxic", "hate"),
        ("identity_hate", "hate"),
        ("violence", "violence"),
        ("self-harm", "self_harm"),
        ("LABEL_1", "classifier"),
    ],
)
def test_labels_map_to_the_policy_categories(label, category):
    assert category_of(label) == category


async def test_the_moderator_asks_the_model_only_about_prompts_the_lists_allow(
    toxic_model, tmp_path
):
    store = await Store.open(tmp_path / "m.db")
    try:
        defaults = ModerationDefaults(
            prompt_classifier=str(toxic_model), prompt_classifier_threshold=0.6
        )
        moderator = Moderator(store, defaults)
        listed = await moderator.evaluate_prompt(1, "a n4k3d giant")
        assert (listed.category, listed.term) == ("sexual", "naked")  # the lists decide first
        learned = await moderator.evaluate_prompt(1, "a purple mammoth")
        assert (learned.category, learned.term) == ("hate", "toxic 0.70")
        assert learned.label == "hate"
        lenient = Moderator(store, ModerationDefaults(prompt_classifier=str(toxic_model)))
        assert (await lenient.evaluate_prompt(1, "a purple mammoth")).allowed  # 0.7 < 0.8
        assert Moderator(store).classifier is None  # off by default
    finally:
        await store.close()


async def test_the_model_runs_in_a_worker_thread(nsfw_model):
    classifier = PromptClassifier(str(nsfw_model))
    threads = []
    original = classifier.check

    def spy(text):
        import torch

        decision = original(text)
        # torch's thread count is read per OS thread: where the model ran, not the main one
        threads.append(
            (threading.current_thread() is threading.main_thread(), torch.get_num_threads())
        )
        return decision

    classifier.check = spy
    assert not (await classifier.check_async("a cat")).allowed
    assert threads == [(False, 1)]  # in a worker thread, on one torch thread


def test_the_bot_imports_neither_torch_nor_transformers_without_a_classifier():
    code = (
        "import sys, studio.moderation, studio.moderation.classifier, app.runtime;"
        "print('torch' in sys.modules, 'transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_without_transformers_the_setting_stops_the_bot_with_one_sentence(monkeypatch):
    import importlib.util

    from data.settings import SettingsError

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "transformers" else real(name)
    )
    with pytest.raises(SettingsError, match="PROMPT_CLASSIFIER needs transformers"):
        PromptClassifier("some/model")
