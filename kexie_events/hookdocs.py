"""Generate ``docs/hooks.md`` from the hook specifications.

Run ``python -m kexie_events.hookdocs > docs/hooks.md``; a test fails when the file and the
specs disagree, so the reference can never drift from the code.
"""

from __future__ import annotations

import inspect

from kexie_events import hookspecs

HEADER = """# Hook reference

Generated from `kexie_events/hookspecs.py` by `python -m kexie_events.hookdocs`; do not edit.
Every hook is called with keyword arguments, and an implementation may take any subset of
them. See [plugins.md](plugins.md) for how to write a plugin.
"""


def hook_functions() -> list:
    """Every hook specification, in the order the module defines them."""
    return [
        value
        for name, value in vars(hookspecs).items()
        if name.startswith("kexie_") and callable(value)
    ]


def signature(function) -> str:
    """``kexie_gate(event: Event, store: EventStore, ...) -> Iterable[Blocker]``."""
    sig = inspect.signature(function)
    returns = sig.return_annotation
    arrow = "" if returns in (inspect.Signature.empty, "None") else f" -> {returns}"
    params = ", ".join(
        name if p.annotation is inspect.Parameter.empty else f"{name}: {p.annotation}"
        for name, p in sig.parameters.items()
    )
    return f"{function.__name__}({params}){arrow}"


def render() -> str:
    """The whole of ``docs/hooks.md``."""
    parts = [HEADER]
    for function in hook_functions():
        parts.append(f"## `{function.__name__}`\n")
        parts.append(f"```python\n{signature(function)}\n```\n")
        parts.append(inspect.cleandoc(function.__doc__ or "") + "\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")
