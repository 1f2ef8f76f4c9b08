"""The house rules of the layout, checked on the source: Discord stays in its adapter,
origins are typed, and each button class builds the look its messages always had."""

from __future__ import annotations

import ast
from pathlib import Path

import discord

from app.discord import buttons, custom_ids
from data.images import ImageRecord

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"  # the composition root: configuration, CLI, start-up, and the adapters
ADAPTERS = {"discord": APP / "discord", "http": APP / "api", "web": APP / "web"}
CORE = [ROOT / "studio", ROOT / "data", ROOT / "inference"]  # use-cases, persistence, worker
PACKAGES = {"app", "bot", "data", "inference", "studio"}  # bot: only the `python -m bot` door


def _python_files(*folders: Path) -> list[Path]:
    return sorted(path for folder in folders for path in folder.rglob("*.py"))


def _imports(path: Path) -> list[str]:
    """Every module a file imports, and every string that names one of ours by dotted path
    (``importlib.import_module("app.api.server")`` is an import too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
        elif isinstance(node, ast.Constant) and _names_a_module(node.value):
            found.append(node.value)
    return found


def _names_a_module(value: object) -> bool:
    """A string like ``"app.api.server"``: one of our packages and dotted identifiers."""
    if not isinstance(value, str) or "." not in value:
        return False
    parts = value.split(".")
    return parts[0] in PACKAGES and all(part.isidentifier() for part in parts)


def _top(name: str) -> str:
    return name.split(".")[0]


def _core_modules() -> list[Path]:
    return _python_files(*CORE)


def test_the_house_has_only_its_rooms():
    """Adapters live only under the composition root; ``bot/`` is only the CLI's alias."""
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert packages == PACKAGES
    assert sorted(p.name for p in (ROOT / "bot").iterdir() if p.suffix == ".py") == [
        "__init__.py",
        "__main__.py",
    ]
    assert not (ROOT / "imagine.db").exists()  # a stray database never sits at the root


def test_arrows_point_down_even_by_name():
    """app → adapters → studio → data; inference → data. The core never names the root or
    an adapter, not even in a string handed to importlib."""
    allowed = {
        "studio": {"studio", "data"},
        "data": {"data"},
        "inference": {"inference", "data"},
    }
    offenders = []
    for path in _core_modules():
        room = path.relative_to(ROOT).parts[0]
        for name in _imports(path):
            top = _top(name)
            if top in PACKAGES and top not in allowed[room]:
                offenders.append(f"{path.relative_to(ROOT)} -> {name}")
    assert _core_modules() and offenders == []


def test_adapters_do_not_reach_into_each_other_or_the_root():
    """The HTTP adapter runs without discord.py (an API-only deployment), the Discord
    adapter without aiohttp's server; neither imports the composition root's start-up."""
    offenders = []
    for kind, folder in ADAPTERS.items():
        others = [f"app.{other.name}" for k, other in ADAPTERS.items() if k != kind]
        for path in _python_files(folder):
            for name in _imports(path):
                sibling = any(name == o or name.startswith(o + ".") for o in others)
                root_module = _top(name) == "app" and not name.startswith(f"app.{folder.name}")
                outside = kind != "discord" and _top(name) == "discord"
                if sibling or outside or (root_module and name != "app.settings"):
                    offenders.append(f"{path.relative_to(ROOT)} -> {name}")
    assert offenders == []


def test_only_the_discord_adapter_imports_discord():
    """The root loads the Discord adapter only to run the bot: an API-only process and the
    terminal commands never import discord.py."""
    offenders = []
    for path in _python_files(ROOT / "app", *CORE):
        if path.is_relative_to(ADAPTERS["discord"]):
            continue
        if any(_top(name) == "discord" for name in _imports(path)):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_adapters_never_call_the_rate_limit_the_use_cases_check_it():
    """Every use-case entry counts the request itself, so a new entry point cannot skip it."""
    offenders = []
    for path in _python_files(*ADAPTERS.values(), APP):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("rate_limit", "JobRateLimit"):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


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
    assert [len(row["components"]) for row in single.to_components()] == [4, 2, 4, 3]
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
        (custom_ids.build("edit", second), "Edit", "🖌️", secondary),
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
