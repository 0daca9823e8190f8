"""The event file's problems in the organiser's language, for the console's pages.

The core and several plugins word their problems in English for ``kexie check`` in a
terminal. A Chinese event's console shows them in Chinese: the messages of the core's readers
(:mod:`kexie_events.fields`, :mod:`kexie_events.eventfile`) and the common ones of the plugins
are recognised by their shape and said again in Chinese, with site ids replaced by the sites'
names. A message a plugin already gives in Chinese is kept; one not recognised is kept too,
after a Chinese lead-in, rather than lost.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping

from kexie_events.errors import Problem
from kexie_events.i18n import date_text

_CJK = re.compile(r"[\u4e00-\u9fff]")
_QUOTED = re.compile(r"'([^']*)'")

#: What the readers expect, as ``expected ..., got ...`` says it.
_EXPECTED = {
    "a text in quotes": "应填写文字（加英文引号）",
    "a whole number": "应填写整数",
    "a number": "应填写数字",
    "true or false": "应填写 true（是）或 false（否）",
    "a list of texts": "应填写一组文字",
    "a date and time": "应填写日期和时间，例如 2027-08-02T08:30:00",
    "a date": "应填写日期，例如 2027-08-02",
    "a table": "这里应是一个表",
    "a non-empty text": "应填写文字，不能为空",
}

#: tomllib's reasons for a text that is not TOML.
_TOML_REASONS = {
    "Invalid value": "值的写法不对（文字要加英文引号）",
    "Expected '=' after a key in a key/value pair": "设置项后面缺少等号“=”",
    "Cannot overwrite a value": "同一个设置项写了两次",
    "Cannot declare": "同一个表写了两次",
    "Unclosed array": "列表缺少右方括号“]”",
    "Unclosed inline table": "缺少右花括号“}”",
    "Unterminated string": "文字缺少结尾的引号",
    "Illegal character": "有不允许的字符",
    "Invalid date or datetime": "日期或时间的写法不对",
    "Invalid initial character for a key part": "设置项名称的写法不对",
    "Expected newline or end of document after a statement": "一行只能写一个设置项",
}


def problem_text(problem: Problem, lang: str, site_names: Mapping[str, str] | None = None) -> str:
    """What ``problem`` says, in ``lang``; ``site_names`` (id to name) names sites in Chinese."""
    message = problem.message
    if lang != "zh" or _CJK.search(message):
        return message
    names = site_names or {}
    for pattern, words in _PATTERNS:
        found = pattern.fullmatch(message)
        if found:
            return words(found, names)
    return f"这一项有误（{message}）"


def _name(value: str, names: Mapping[str, str]) -> str:
    return names.get(value, value)


def _choices(text: str, names: Mapping[str, str]) -> str:
    return "、".join(_name(choice, names) for choice in _QUOTED.findall(text))


def _moment(text: str) -> str:
    moment = dt.datetime.strptime(text, "%Y-%m-%d %H:%M")
    return f"{date_text(moment.date(), 'zh')} {moment:%H:%M}"


def suggestion(
    found: re.Match, group: str = "close", names: Mapping[str, str] | None = None
) -> str:
    """``，是不是“x”？`` for the name a message's "did you mean 'x'?" (:data:`DID_YOU_MEAN`,
    the match's ``group``) suggests; nothing when it suggests none."""
    close = found.group(group)
    return f"，是不是“{_name(close, names or {})}”？" if close else ""


def _expected(found: re.Match, names: Mapping[str, str]) -> str:
    expected = found.group("expected")
    for start, words in _EXPECTED.items():
        if expected.startswith(start):
            return words
    return f"这一项有误（{found.group(0)}）"


def _not_toml(found: re.Match, names: Mapping[str, str]) -> str:
    reason = found.group("reason")
    where = re.search(r"\(at line (\d+), column (\d+)\)", reason)
    place = f"（第{where.group(1)}行第{where.group(2)}列）" if where else ""
    for start, words in _TOML_REASONS.items():
        if reason.startswith(start):
            return f"文件格式有误：{words}{place}"
    return f"文件格式有误{place}"


#: The end of a message that suggests a name (``fields.suggest``), the name in group ``close``.
DID_YOU_MEAN = r"(?:, did you mean '(?P<close>[^']*)'\?)?"
_Words = Callable[[re.Match, Mapping[str, str]], str]
_PATTERNS: list[tuple[re.Pattern, _Words]] = [
    (re.compile(r"is required(?::.*)?"), lambda f, n: "必须填写"),
    (re.compile(r"must not be empty"), lambda f, n: "不能为空"),
    (
        re.compile(r"unknown key '(?P<key>[^']*)'" + DID_YOU_MEAN),
        lambda f, n: f"没有“{f.group('key')}”这个设置项{suggestion(f, 'close', n)}",
    ),
    (
        re.compile(r"expected a list of tables \(\[\[(?P<key>.*)\]\]\), got .*"),
        lambda f, n: f"这里应是一组表（[[{f.group('key')}]]）",
    ),
    (
        re.compile(r"expected one of (?P<choices>.*), got '(?P<value>[^']*)'" + DID_YOU_MEAN),
        lambda f, n: (
            f"只能是{_choices(f.group('choices'), n)}之一，"
            f"不能是“{_name(f.group('value'), n)}”{suggestion(f, 'close', n)}"
        ),
    ),
    (re.compile(r"expected (?P<expected>.*?), got .*", re.DOTALL), _expected),
    (re.compile(r"expected a table \[(?P<name>.*)\]"), lambda f, n: "这里应是一个表"),
    (
        re.compile(r"must be at least (?P<least>\S+), got (?P<value>\S+)"),
        lambda f, n: f"不能小于{f.group('least')}（现在是{f.group('value')}）",
    ),
    (
        re.compile(r"must be at most (?P<most>\S+), got (?P<value>\S+)"),
        lambda f, n: f"不能大于{f.group('most')}（现在是{f.group('value')}）",
    ),
    (
        re.compile(r"must be after start \((?P<start>[\d-]+ [\d:]+)\)(?:, got .*)?"),
        lambda f, n: f"必须晚于开始时间（{_moment(f.group('start'))}）",
    ),
    (
        re.compile(r"site id '(?P<id>[^']*)' is used twice"),
        lambda f, n: f"有两个场地的编号都是“{f.group('id')}”",
    ),
    (
        re.compile(r"give both lat and lon, or neither"),
        lambda f, n: "纬度和经度要么都填，要么都不填",
    ),
    (re.compile(r"a gate name is listed twice"), lambda f, n: "有重复的入口名称"),
    (
        re.compile(r"no site (?:with id )?'(?P<site>[^']*)'.*"),
        lambda f, n: f"没有“{_name(f.group('site'), n)}”这个场地",
    ),
    (
        re.compile(r"(?:site '(?P<site>[^']*)'|any site) has no gate '(?P<gate>[^']*)'.*"),
        lambda f, n: (
            f"{_name(f.group('site'), n) if f.group('site') else '各场地都'}"
            f"没有“{f.group('gate')}”这个入口"
        ),
    ),
    (
        re.compile(r"no gate '(?P<gate>[^']*)'.*"),
        lambda f, n: f"没有“{f.group('gate')}”这个入口",
    ),
    (
        re.compile(r"two schedule items have the id '(?P<id>[^']*)'.*"),
        lambda f, n: f"有两个日程项目的编号都是“{f.group('id')}”，请给每一项不同的编号",
    ),
    (
        re.compile(r"falls outside the event's start and end"),
        lambda f, n: "不在活动的开始和结束时间之内",
    ),
    (
        re.compile(
            r"(?P<expected>\d+) people expected but the sites hold (?P<capacity>\d+) at once"
        ),
        lambda f, n: (
            f"预计{f.group('expected')}人参加，但各场地同时只能容纳{f.group('capacity')}人"
        ),
    ),
    (
        re.compile(r"unknown time zone '(?P<zone>[^']*)'.*"),
        lambda f, n: f"不认识的时区“{f.group('zone')}”（北京时间写作 Asia/Shanghai）",
    ),
    (re.compile(r"not valid TOML: (?P<reason>.*)", re.DOTALL), _not_toml),
    (
        re.compile(r"unknown plugin section \[plugins\.(?P<name>[^\]]*)\].*"),
        lambda f, n: f"没有安装名为“{f.group('name')}”的插件，这一节无法使用",
    ),
    (
        re.compile(r"plugin '(?P<name>[^']*)' is disabled; .*"),
        lambda f, n: f"插件“{f.group('name')}”已停用，这一节暂不起作用",
    ),
    (
        re.compile(r"at most (?P<most>\d+) days \(ten years\), got (?P<value>\d+)"),
        lambda f, n: f"最多保留{f.group('most')}天（十年），现在是{f.group('value')}天",
    ),
    (
        re.compile(r"plugin '(?P<name>[^']*)' failed in (?P<hook>.*)", re.DOTALL),
        lambda f, n: f"插件“{f.group('name')}”检查时出错，请联系技术人员（{f.group('hook')}）",
    ),
]
