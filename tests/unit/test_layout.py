"""The house rules of the layout, checked on the source: Discord stays in its adapter,
origins are typed, and each button class builds the look its messages always had."""

from __future__ import annotations

import ast
from pathlib import Path

import discord

from bot.discord import buttons, custom_ids
from data.images import ImageRecord

ROOT = Path(__file__).resolve().parents[2]
ADAPTER = (ROOT / "cogs", ROOT / "bot" / "discord")
COMPOSITION_ROOT = ROOT / "bot" / "cli.py"  # `run` starts the Discord adapter (lazily)
CORE = [ROOT / "bot", ROOT / "data", ROOT / "inference", ROOT / "api"]  # api: the HTTP adapter


def _core_modules() -> list[Path]:
    found = []
    for folder in CORE:
        for path in folder.rglob("*.py"):
            if not any(path.is_relative_to(room) for room in ADAPTER):
                found.append(path)
    return found


def test_only_the_discord_adapter_imports_discord():
    """The core and the HTTP adapter run without discord.py (an API-only deployment)."""
    offenders = []
    for path in _core_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            if any(  # the Discord package would bring discord.py in too
                name.split(".")[0] == "discord"
                or (name.startswith("bot.discord") and path != COMPOSITION_ROOT)
                for name in names
            ):
                offenders.append(str(path.relative_to(ROOT)))
    assert _core_modules() and offenders == []


def test_no_origin_is_read_as_an_untyped_dict_outside_the_adapter():
    offenders = []
    for path in _core_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            target = None
            if isinstance(node, ast.Subscript):
                target = node.value
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get"
            ):
                target = node.func.value
            if target is not None and "origin" in ast.unparse(target):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def _image(position: int) -> ImageRecord:
    return ImageRecord(
        id=f"{position:012x}",
        job_id="j",
        owner_id=1,
        position=position,
        prompt="a cat",
        negative="",
        seed=1,
        model="tiny",
        width=64,
        height=64,
        path="x.png",
        parent_id=None,
        created_at=0.0,
    )


def _layout(view: discord.ui.View) -> list[tuple]:
    return [
        (
            item["custom_id"],
            item.get("label"),
            (item.get("emoji") or {}).get("name"),
            item["style"],
        )
        for row in view.to_components()
        for item in row["components"]
    ]


def test_the_result_view_is_built_from_the_button_classes_with_the_old_look():
    images = [_image(p) for p in (1, 2)]
    rows = buttons.result_view(images).to_components()
    assert [len(row["components"]) for row in rows] == [2, 3, 2]
    primary, secondary = discord.ButtonStyle.primary.value, discord.ButtonStyle.secondary.value
    first, second = images[0].id, images[1].id
    assert _layout(buttons.result_view(images)) == [
        (custom_ids.build("open", first), "U1", None, secondary),
        (custom_ids.build("open", second), "U2", None, secondary),
        (custom_ids.build("vary", first), "V1", None, primary),
        (custom_ids.build("vary", second), "V2", None, primary),
        (custom_ids.build("reroll", first), None, "🔄", secondary),
        (custom_ids.build("saveall", first), "Save", None, secondary),
        (custom_ids.build("share", first), "Share", None, secondary),
    ]
    success = discord.ButtonStyle.success.value
    single = buttons.single_view(images[1])
    assert [len(row["components"]) for row in single.to_components()] == [4, 2, 4, 2]
    assert _layout(single) == [
        (custom_ids.build("upscale", second), "Upscale (Subtle)", None, success),
        (custom_ids.build("upcreative", second), "Upscale (Creative)", None, success),
        (custom_ids.build("varysubtle", second), "Vary (Subtle)", None, primary),
        (custom_ids.build("varystrong", second), "Vary (Strong)", None, primary),
        (custom_ids.build("zoom15", second), "Zoom Out 1.5×", None, secondary),
        (custom_ids.build("zoom2", second), "Zoom Out 2×", None, secondary),
        (custom_ids.build("panleft", second), None, "⬅️", secondary),
        (custom_ids.build("panright", second), None, "➡️", secondary),
        (custom_ids.build("panup", second), None, "⬆️", secondary),
        (custom_ids.build("pandown", second), None, "⬇️", secondary),
        (custom_ids.build("save", second), "Save", None, secondary),
        (custom_ids.build("share", second), "Share", None, secondary),
    ]


def test_every_button_class_matches_the_ids_it_builds():
    for cls in buttons.IMAGE_BUTTONS:
        made = cls("0123456789ab")
        assert made.template.fullmatch(made.custom_id)["image_id"] == "0123456789ab"
        assert not buttons.MalformedButton.__discord_ui_compiled_template__.fullmatch(
            made.custom_id
        )
    page = buttons.HistoryPage(42, 3, emoji="▶")
    assert page.template.fullmatch(page.custom_id).groupdict() == {"key": "42", "page": "3"}
