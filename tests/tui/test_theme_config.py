"""Theme choice persists in the config file; --theme sets it; a bad file is a clear error."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from core.errors import NitrodeckError
from tui.app import make_app as app_from_args
from tui.config import AppConfig, config_path, load_config, save_config


def args(**kw: object) -> argparse.Namespace:
    base = {"platform": "sim", "profile": None, "read_only": False, "theme": None}
    base.update(kw)
    return argparse.Namespace(**base)


def test_config_path_honours_env_then_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NITRODECK_CONFIG", str(tmp_path / "c.json"))
    assert config_path() == tmp_path / "c.json"
    monkeypatch.delenv("NITRODECK_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_path() == tmp_path / "xdg" / "nitrodeck" / "config.json"


def test_missing_file_gives_defaults(isolated_config: Path) -> None:
    assert load_config() == AppConfig(theme="nitrodeck")


def test_save_keeps_unknown_keys(isolated_config: Path) -> None:
    isolated_config.parent.mkdir(parents=True)
    isolated_config.write_text('{"future": [1, 2]}')
    save_config(AppConfig(theme="dracula", keymap={"nav.help": "f1"}))
    saved = json.loads(isolated_config.read_text())
    assert saved == {"future": [1, 2], "theme": "dracula", "keymap": {"nav.help": "f1"}}
    assert load_config() == AppConfig(theme="dracula", keymap={"nav.help": "f1"})


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "cannot read the settings"), ("[1]", "JSON object"), ('{"theme": 3}', "string")],
)
def test_broken_config_is_a_clear_error(isolated_config: Path, content: str, message: str) -> None:
    isolated_config.parent.mkdir(parents=True)
    isolated_config.write_text(content)
    with pytest.raises(NitrodeckError) as caught:
        load_config()
    assert message in str(caught.value) and caught.value.where == str(isolated_config)
    assert caught.value.fix


def test_unknown_theme_flag_lists_the_choices() -> None:
    with pytest.raises(NitrodeckError) as caught:
        app_from_args(args(theme="no-such-theme"))
    assert "nitrodeck" in (caught.value.fix or "") and caught.value.where == "--theme"


def test_theme_flag_is_applied_and_remembered(isolated_config: Path) -> None:
    app = app_from_args(args(theme="dracula"))
    assert app.theme == "dracula"
    assert json.loads(isolated_config.read_text())["theme"] == "dracula"
    assert app_from_args(args()).theme == "dracula"


def test_default_theme_is_nitrodecks_own() -> None:
    app = app_from_args(args())
    assert app.theme == "nitrodeck"
    assert app.current_theme.primary == "#FF9900"


async def test_theme_picked_in_the_app_is_saved(make_app, wait, isolated_config: Path) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await wait(pilot)
        app.theme = "gruvbox"
        await wait(pilot)
    assert json.loads(isolated_config.read_text())["theme"] == "gruvbox"
    assert make_app().theme == "gruvbox"


def test_read_only_and_platform_flags_reach_the_app() -> None:
    app = app_from_args(args(read_only=True, profile="m5.xlarge"))
    assert app.read_only
    info = app.header_provider.header_info()
    assert info.simulated and info.platform_label().startswith("SIMULATOR")
    assert "m5.xlarge" in info.platform_label()


async def test_keymap_from_config_remaps_a_binding(make_app, wait, isolated_config: Path) -> None:
    from tui.screens.help import HelpScreen

    isolated_config.parent.mkdir(parents=True)
    isolated_config.write_text('{"keymap": {"nav.help": "f1"}}')
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await wait(pilot)
        await pilot.press("question_mark")
        await wait(pilot)
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        await wait(pilot)
        assert isinstance(app.screen, HelpScreen)


def test_bad_keymap_is_a_clear_error(isolated_config: Path) -> None:
    isolated_config.parent.mkdir(parents=True)
    isolated_config.write_text('{"keymap": {"nav.help": 1}}')
    with pytest.raises(NitrodeckError, match="binding ids to keys"):
        load_config()
