"""The one plugin manager: built-in plugins, entry-point plugins, and calling their hooks.

Built-in plugins are declared as entry points in the ``kexie_events`` group of our own
``pyproject.toml``, exactly as a third-party plugin declares itself, and nowhere else: a plugin
is built in when the distribution that declares it is ``kexie-events``.
``KEXIE_LOAD_PLUGINS=a,b`` loads only those plugins, ``KEXIE_DISABLE_PLUGINS=a,b`` leaves those
out.

Hooks are called one implementation at a time (:meth:`Plugins.call_each`) rather than through
pluggy's combined call, so that every result and every exception carries the name of the plugin
it came from: ``kexie status`` shows who reports what, and a plugin that raises is named in the
error instead of surfacing as a traceback from the core.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import attrs
import pluggy

from kexie_events import hookspecs
from kexie_events.errors import PluginError, Problem
from kexie_events.model import Event
from kexie_events.records import PluginSection

ENTRY_POINT_GROUP = "kexie_events"

#: Hooks called for every event, even by plugins whose section the event does not have.
CALLED_FOR_EVERY_EVENT = frozenset({"kexie_personal_data"})

#: The distribution whose entry points are the built-in plugins.
DISTRIBUTION = "kexie-events"

R = TypeVar("R")


@attrs.frozen
class PluginInfo:
    """What ``kexie plugins`` shows of one plugin."""

    name: str
    version: str
    module: str
    hooks: tuple[str, ...]
    builtin: bool


def _names(value: str | None) -> set[str] | None:
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


class Plugins:
    """The loaded plugins and the way the core calls them.

    Attributes:
        manager: the pluggy manager; use it to register plugins in tests.
        disabled: names switched off by ``KEXIE_DISABLE_PLUGINS``.
    """

    def __init__(
        self,
        manager: pluggy.PluginManager,
        versions: dict[str, str],
        disabled: frozenset[str] = frozenset(),
    ):
        self.manager = manager
        self.disabled = disabled
        self._versions = versions
        self._builtin: set[str] = set()
        self._sections: dict[str, PluginSection] | None = None

    @classmethod
    def load(
        cls, environ: Mapping[str, str] | None = None, *, entry_points: bool = True
    ) -> Plugins:
        """Load the built-in and installed plugins, honouring the environment switches."""
        environ = os.environ if environ is None else environ
        only = _names(environ.get("KEXIE_LOAD_PLUGINS"))
        disabled = _names(environ.get("KEXIE_DISABLE_PLUGINS")) or set()
        manager = pluggy.PluginManager("kexie_events")
        manager.add_hookspecs(hookspecs)
        plugins = cls(manager, {}, frozenset(disabled))

        def wanted(name: str) -> bool:
            return name not in disabled and (only is None or name in only)

        if entry_points:
            for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
                if not wanted(entry.name) or manager.has_plugin(entry.name):
                    continue
                try:
                    module = entry.load()
                except Exception as error:
                    raise PluginError(entry.name, "loading", error) from error
                version = entry.dist.version if entry.dist else "unknown"
                plugins.register(module, entry.name, version)
                if entry.dist is not None and entry.dist.name == DISTRIBUTION:
                    plugins._builtin.add(entry.name)
        plugins.check_pending()
        return plugins

    def register(self, plugin: object, name: str, version: str = "") -> None:
        """Register a plugin object (module or instance) under ``name``."""
        try:
            self.manager.register(plugin, name=name)
        except (pluggy.PluginValidationError, ValueError) as error:
            raise PluginError(name, "registration", error) from error
        self._versions[name] = version
        self._sections = None

    def unregister(self, name: str) -> None:
        """Remove a plugin by name (tests use this in ``finally``)."""
        self.manager.unregister(name=name)
        self._versions.pop(name, None)
        self._sections = None

    def check_pending(self) -> None:
        """Fail loudly on a ``kexie_`` hook implementation no spec knows (a misspelt hook)."""
        try:
            self.manager.check_pending()
        except pluggy.PluginValidationError as error:
            name = self.manager.get_name(error.plugin) or str(error.plugin)
            raise PluginError(name, "registration", error) from error

    def names(self) -> list[str]:
        """Names of the loaded plugins, sorted."""
        return sorted(name for name, _ in self.manager.list_name_plugin())

    def describe(self) -> list[PluginInfo]:
        """Every loaded plugin with its version and the hooks it implements."""
        infos = []
        for name in self.names():
            plugin = self.manager.get_plugin(name)
            callers = self.manager.get_hookcallers(plugin) or []
            infos.append(
                PluginInfo(
                    name=name,
                    version=self._versions.get(name, ""),
                    module=getattr(plugin, "__name__", type(plugin).__qualname__),
                    hooks=tuple(sorted(caller.name for caller in callers)),
                    builtin=name in self._builtin,
                )
            )
        return infos

    def sections(self) -> dict[str, PluginSection]:
        """The plugins that declare their section (``kexie_config_section``), by name."""
        if self._sections is not None:
            return self._sections
        declared = {}
        for plugin, section in self.call_each("kexie_config_section"):
            if section is None:
                continue
            if not isinstance(section, PluginSection):
                problem = f"returned {section!r}, expected a PluginSection"
                raise PluginError(plugin, "kexie_config_section", TypeError(problem))
            declared[plugin] = section
        self._sections = declared
        return declared

    def read_sections(self, event: Event, problems: list[Problem]) -> Event:
        """``event`` with every used plugin's section parsed (``Event.configs``).

        Problems go to ``problems``, keyed by their place in the file like the core's.
        """
        from kexie_events.fields import TableReader

        configs = {}
        for plugin, section in self.sections().items():
            raw = event.plugin_config(plugin)
            if raw is None and not section.always:
                continue
            reader = TableReader(raw or {}, event.section_path(plugin), problems)
            try:
                configs[plugin] = section.read(reader, event)
            except Exception as error:
                raise PluginError(plugin, "reading its section", error) from error
            reader.finish()
        return attrs.evolve(event, configs=configs)

    def call_each(self, hook: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call every implementation of ``hook`` in pluggy's order; return (plugin, result).

        Implementations receive only the arguments they name; ``config`` is the plugin's own
        parsed section when an ``event`` is passed. A plugin that declares its section is left
        out for events without it (except for :data:`CALLED_FOR_EVERY_EVENT`). An exception is
        re-raised as a :class:`PluginError` naming the plugin.
        """
        caller = getattr(self.manager.hook, hook)
        event = kwargs.get("event")
        declared = (
            self.sections() if event is not None and hook not in CALLED_FOR_EVERY_EVENT else {}
        )
        results = []
        for impl in reversed(caller.get_hookimpls()):
            name = impl.plugin_name
            if name in declared and name not in event.configs:
                continue
            if event is not None and "config" in impl.argnames:
                kwargs = {**kwargs, "config": event.configs.get(name)}
            try:
                result = impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
            except PluginError:
                raise
            except Exception as error:
                raise PluginError(impl.plugin_name, hook, error) from error
            results.append((impl.plugin_name, result))
        return results

    def collect(
        self, hook: str, record_type: type[R], *, unique_by: str | None = None, **kwargs: Any
    ) -> list[R]:
        """Call ``hook`` and flatten the records it returns, checked and tagged with the plugin.

        A plugin returning something other than ``record_type`` records is a plugin error, and
        so is a second record with the same ``unique_by`` attribute. Records with a ``plugin``
        field get the name of the plugin that returned them.
        """
        records: list[R] = []
        seen: dict[Any, str] = {}
        for plugin, result in self.call_each(hook, **kwargs):
            for record in _iterate(plugin, hook, result):
                if not isinstance(record, record_type):
                    problem = f"returned {record!r}, expected {record_type.__name__} records"
                    raise PluginError(plugin, hook, TypeError(problem))
                if unique_by is not None:
                    value = getattr(record, unique_by)
                    if value in seen:
                        problem = f"{unique_by} {value!r} is already provided by {seen[value]!r}"
                        raise PluginError(plugin, hook, ValueError(problem))
                    seen[value] = plugin
                if attrs.has(type(record)) and "plugin" in attrs.fields_dict(type(record)):
                    record = attrs.evolve(record, plugin=plugin)
                records.append(record)
        return records


def _iterate(plugin: str, hook: str, result: Any) -> Iterable[Any]:
    if result is None:
        return ()
    if isinstance(result, str | bytes) or not isinstance(result, Iterable):
        raise PluginError(plugin, hook, TypeError(f"returned {result!r}, expected an iterable"))
    try:
        return list(result)
    except Exception as error:
        raise PluginError(plugin, hook, error) from error
