"""The documentation cannot drift from the code: hooks, the plugin example, the API names."""

from __future__ import annotations

import inspect
from pathlib import Path

from kexie_events import hookdocs

ROOT = Path(__file__).parent.parent


def test_hooks_md_is_generated_from_the_specs():
    written = (ROOT / "docs" / "hooks.md").read_text(encoding="utf-8")
    assert written == hookdocs.render(), (
        "regenerate: python -m kexie_events.hookdocs > docs/hooks.md"
    )


def test_every_hook_is_documented_with_its_arguments():
    for function in hookdocs.hook_functions():
        doc = inspect.getdoc(function)
        assert doc and len(doc.splitlines()) >= 2, f"{function.__name__} needs a real docstring"
        for argument in inspect.signature(function).parameters:
            assert f":param {argument}:" in doc, f"{function.__name__}: document {argument}"


def test_plugin_guide_shows_the_tested_example_verbatim():
    guide = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    example = (ROOT / "tests" / "example_plugin" / "kexie_first_aid.py").read_text()
    assert example in guide
    manifest = (ROOT / "tests" / "example_plugin" / "pyproject.toml").read_text()
    assert manifest in guide


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = readme.split("```")
    first, second = blocks[1].strip(), blocks[3].strip()
    assert "kexie demo" in first
    assert "pytest" in second
    ci = (ROOT / ".ci" / "run").read_text()
    assert second.splitlines()[-1] in ci
