#!/usr/bin/env python3
"""Writes Tests/Fixtures/chat-templates/*.json: our own small chat templates, each with conversations
and what jinja2 renders from them in the environment transformers' `apply_chat_template` renders in
(ChatTemplateTests compares our renderer with these byte for byte).

Run by hand, never in CI, with jinja2 3.1 in a private environment:
    python3 -m venv /tmp/jvenv && /tmp/jvenv/bin/pip install jinja2
    /tmp/jvenv/bin/python scripts/make-chat-template-reference.py [OUT_DIR]

The environment is set up as transformers 5 sets it up for chat templates: jinja2's
ImmutableSandboxedEnvironment with trim_blocks and lstrip_blocks, the loopcontrols extension and a
`{% generation %}` tag that renders its body; globals `raise_exception(message)` (raises a
TemplateError) and `strftime_now(format)` (here with the clock stopped at CLOCK, which the Swift
tests pass too); and a `tojson` filter that is `json.dumps(value, ensure_ascii=False, indent=None,
separators=None, sort_keys=False)` with those arguments open to the template. A template renders
with `messages`, `tools`, `documents`, `add_generation_prompt`, then the special tokens and the
extra variables as keyword arguments, the extra variables winning.

Each fixture file: {"templates": [{"name", "template", "cases": [{"name", "messages",
"add_generation_prompt", "tools", "documents", "special_tokens", "variables", and "expected" (the
rendering) or "error" (jinja2's exception)}]}]}. The templates are written for these tests to exercise
the constructs that public chat templates (Llama 3.x, Mistral, Mixtral, Qwen2.5, Qwen3, Gemma 2/3,
Phi-3/4, DeepSeek-V3/R1, SmolLM2, Granite, OLMo, GLM-4, gpt-oss, Command-R) use; none is a copy of one.
"""
import copy
import json
import os
import sys
from datetime import datetime

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "Tests/Fixtures/chat-templates")
CLOCK = datetime(2024, 7, 26, 13, 5, 9, 123456)


class GenerationTag(Extension):
    """`{% generation %}...{% endgeneration %}`: transformers marks assistant text with it; it renders its body."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def make_environment():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(value, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    environment = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[GenerationTag, loopcontrols])
    environment.filters["tojson"] = tojson
    environment.globals["raise_exception"] = raise_exception
    environment.globals["strftime_now"] = lambda format: CLOCK.strftime(format)
    return environment


ENVIRONMENT = make_environment()

# Conversations -------------------------------------------------------------------------------------------

USER = [{"role": "user", "content": "Hello!"}]
SYSTEM = [{"role": "system", "content": "  You are terse.  "}, {"role": "user", "content": "Hi"},
          {"role": "assistant", "content": "Hello."}, {"role": "user", "content": "Bye"}]
MULTI = [{"role": "user", "content": "One"}, {"role": "assistant", "content": "Two"},
         {"role": "user", "content": "Three"}, {"role": "assistant", "content": "Four"}]
UNICODE = [{"role": "user", "content": "héllo 😀 \"quoted\" back\\slash\ttab\nline\u2028sep"}]
TOOL_CALLS = [
    {"role": "system", "content": "Use tools."},
    {"role": "user", "content": "Weather in Paris?"},
    {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call12345", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "days": 2}}}]},
    {"role": "tool", "tool_call_id": "call12345", "content": "{\"temp\": 21.5}"},
    {"role": "tool", "tool_call_id": "call12345", "content": "sunny"},
    {"role": "assistant", "content": "It is 21.5 °C and sunny."},
]
REASONING = [
    {"role": "user", "content": "2+2?"},
    {"role": "assistant", "content": "<think>\nAdd them.\n</think>\n\nFour."},
    {"role": "user", "content": "And 3+3?"},
    {"role": "assistant", "content": "Six.", "reasoning_content": "Add again."},
]
PARTS = [
    {"role": "system", "content": [{"type": "text", "text": "Look closely."}]},
    {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "  What is this?  "}]},
    {"role": "assistant", "content": [{"type": "text", "text": "A cat."}]},
]
TOOLS = [
    {"type": "function", "function": {
        "name": "get_weather", "description": "Weather for a city",
        "parameters": {"type": "object", "properties": {
            "city": {"type": "string", "description": "City name"},
            "unit": {"type": "string", "enum": ["c", "f"]},
            "days": {"type": "integer", "default": 1},
            "tags": {"type": "array", "items": {"type": "string"}},
            "scale": {"type": "number", "default": 1.5e-07, "nullable": True}},
            "required": ["city"]}}},
    {"type": "function", "function": {"name": "now", "description": "The time, «UTC»", "parameters": {"type": "object", "properties": {}}}},
]
DOCUMENTS = [{"doc_id": 1, "title": "Doc A", "text": "Alpha text."}, {"doc_id": "b", "title": "Doc B", "text": "Beta\ntext."}]
SPECIAL = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}


def case(name, messages, add_generation_prompt=False, tools=None, documents=None, special_tokens=None, variables=None):
    return {"name": name, "messages": messages, "add_generation_prompt": add_generation_prompt, "tools": tools,
            "documents": documents, "special_tokens": special_tokens if special_tokens is not None else SPECIAL,
            "variables": variables or {}}


def chats(*names):
    """The usual conversations, with and without a generation prompt."""
    table = {"user": USER, "system": SYSTEM, "multi": MULTI, "unicode": UNICODE, "tools": TOOL_CALLS,
             "reasoning": REASONING, "parts": PARTS}
    cases = []
    for name in names:
        cases.append(case(name, table[name]))
        cases.append(case(name + "+prompt", table[name], add_generation_prompt=True))
    return cases


def template(name, source, cases=None):
    return {"name": name, "template": source, "cases": copy.deepcopy(cases or [case("user", USER)])}


# Templates ----------------------------------------------------------------------------------------------

FIXTURES = {}

FIXTURES["whitespace"] = [
    template("trim-and-lstrip-blocks", r"""{% for message in messages %}
    {% if message.role == 'user' %}
    User: {{ message.content }}
    {% else %}
    Other: {{ message.content }}
    {% endif %}
{% endfor %}
{% if add_generation_prompt %}
Assistant:
{% endif %}
""", chats("user", "system")),
    template("minus-signs", r"""Start   {%- for m in messages -%}
   [{{- m.role -}}]   {{ m.content }}   
{%- endfor %}  End
   {{- "!" }}  {{ "?" -}}

 .""", chats("multi")),
    template("plus-signs-and-comments", r"""line
    {%+ if true +%}
    kept
    {% endif %}
x {# inline comment #}
  {# own line comment #}
y {#- stripped -#}   z
{#
multi-line comment {{ not parsed }} {% if %}
#}
  {#+ plus +#}
end""", [case("user", USER)]),
    template("raw", r"""{% raw %}{{ not a variable }} {% if %}{% endraw %}
  {% raw -%}
   {{ a }}
  {%- endraw %}
  {% raw %}
  x
  {% endraw %}
after""", [case("user", USER)]),
    template("trailing-newline", "{{ messages[0].content }}\n", [case("user", USER)]),
    template("trailing-newlines", "{{ messages[0].content }}\n\n", [case("user", USER)]),
    template("crlf", "a\r\n{% if true %}\r\nb\r\n{% endif %}\r\nc\r{{ 'd' }}\r\n", [case("user", USER)]),
    template("variable-tags-keep-indentation", "x\n   {{ 'v' }}\n   {% if true %}y{% endif %}\n\t{%- if true %} z{% endif %}", [case("user", USER)]),
    template("blocks-after-text", "a {% if true %}b{% endif %}\n  c {% if true %}\nd{% endif %}  \n  {% for x in [1] %}\n{{ x }}\n  {% endfor %}", [case("user", USER)]),
    template("line-statements-are-text", "# for x in y\n## comment\n{{ 1 }}", [case("user", USER)]),
]

FIXTURES["statements"] = [
    template("if-elif-else", r"""{% for m in messages %}{% if m.role == 'system' %}S{% elif m.role == 'user' %}U{% elif m.role == 'assistant' %}A{% else %}?{% endif %}{% endfor %}
{% if not messages %}none{% elif messages|length > 3 %}many{% else %}few{% endif %}""",
             chats("user", "system", "tools") + [case("empty", [])]),
    template("loop-variables", r"""{%- for m in messages if m.role != 'system' -%}
{{ loop.index }}/{{ loop.length }} {{ loop.index0 }} {{ loop.revindex }} {{ loop.revindex0 }} {{ loop.first }} {{ loop.last }} prev={{ loop.previtem.role if loop.previtem is defined else '-' }} next={{ loop.nextitem.role if loop.nextitem is defined else '-' }} {{ loop.cycle('odd', 'even') }} {{ loop.changed(m.role) }} {{ loop.depth }}|{{ loop.depth0 }} {{ loop }}
{% else -%}
no messages
{% endfor -%}
{{ loop is defined }}""", chats("user", "system", "tools") + [case("empty", []), case("only-system", [{"role": "system", "content": "x"}])]),
    template("nested-loops-and-unpacking", r"""{% for m in messages %}{% for k, v in m.items() %}{{ loop.index }}:{{ k }}={{ v }};{% endfor %}{{ loop.index }}|{% endfor %}
{% for a, (b, c) in [(1, (2, 3)), (4, (5, 6))] %}{{ a }}{{ b }}{{ c }}{% endfor %}
{% for x, y in {'p': 1, 'q': 2}|items %}{{ x }}{{ y }}{% endfor %}
{% for c in 'héy' %}{{ c }},{% endfor %}
{% for k in {'k1': 1, 'k2': 2} %}{{ k }}{% endfor %}
{% for x in undefined_name %}never{% else %}empty{% endfor %}""", chats("system", "tools")),
    template("break-and-continue", r"""{% for m in messages %}{% if m.role == 'system' %}{% continue %}{% endif %}{% if loop.index > 3 %}{% break %}{% endif %}[{{ m.content }}]{% endfor %}
{% for i in range(5) %}{% for j in range(5) %}{% if j > i %}{% break %}{% endif %}{{ j }}{% endfor %};{% endfor %}""",
             chats("system", "multi")),
    template("set-scoping", r"""{% set count = 0 %}{% set ns = namespace(count=0, last=none) %}
{% for m in messages %}{% set count = count + 1 %}{% set ns.count = ns.count + 1 %}{% set ns.last = m.role %}{% set inner = 'x' %}[{{ count }}]{% endfor %}
{{ count }} {{ ns.count }} {{ ns.last }} {{ inner is defined }}
{% if true %}{% set from_if = 'if' %}{% endif %}{{ from_if }}
{% set a, b = 'first', 'second' %}{{ b }}{{ a }}
{% set t = 1, 2 %}{{ t }}
{% set messages = messages[1:] %}{{ messages|length }}
{% set empty = namespace() %}{% set empty.value = 5 %}{{ empty.value }} {{ empty.missing is defined }} {{ empty }}
{% for m in messages %}{% set m = 'shadow' %}{{ m }}{% endfor %}""", chats("user", "system")),
    template("block-set", r"""{% set header %}
  {{ bos_token }}[{{ messages|length }}]
{% endset %}
{% set shout | upper %}{{ messages[0].content }}{% set inside = 1 %}{% endset %}
<{{ header }}><{{ shout }}>{{ inside is defined }}""", chats("user", "unicode")),
    template("macros", r"""{% macro turn(role, content, suffix='\n', upper=false) -%}
<{{ role|upper if upper else role }}>{{ content }}{{ suffix }}
{%- endmacro %}
{% macro extras(first) %}{{ first }}:{{ varargs|length }}:{{ varargs }}:{{ kwargs }}{% endmacro %}
{% macro missing(a, b) %}[{{ a }}][{{ b }}][{{ b is defined }}]{% endmacro %}
{% macro wrapper(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}
{% macro each(items) %}{% for item in items %}{{ caller(item, loop.index) }}{% endfor %}{% endmacro %}
{% macro defaults(a, b=a ~ '!') %}{{ b }}{% endmacro %}
{% macro late() %}{{ later }}{% endmacro %}
{% macro recurse(n) %}{% if n > 0 %}{{ n }}{{ recurse(n - 1) }}{% endif %}{% endmacro %}
{% macro local() %}{% set hidden = 'in' %}{{ hidden }}{% endmacro %}
{% for m in messages %}{{ turn(m.role, m.content) }}{{ turn(role=m.role, content=m.content, upper=true, suffix='|') }}{% endfor %}
{{ extras(1) }} {{ extras(1, 2, 3, key='v') }} {{ missing(1) }} {{ defaults('x') }} {{ defaults('x', 'y') }}
{% call wrapper('b') %}bold {{ messages|length }}{% endcall %}
{% call(item, position) each(['x', 'y']) %}{{ position }}={{ item }};{% endcall %}
{% set later = 'L' %}{{ late() }} {{ recurse(3) }} {{ local() }}{{ hidden is defined }} {{ turn }} {{ turn('a', 'b') ~ '!' }}""",
             chats("user", "system")),
    template("filter-with-and-generation", r"""{% filter upper %}{% for m in messages %}{{ m.role }} {% endfor %}{% endfilter %}
{% filter replace('a', '@')|title %}banana split{% endfilter %}
{% with greeting = 'hi', count = messages|length %}{{ greeting }} {{ count }}{% set within = 1 %}{% endwith %}{{ greeting is defined }}{{ within is defined }}
{% set a = 5 %}{% with a = 1, b = a %}{{ a }}{{ b }}{% endwith %}
{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}{{ m.content }}{% set hidden = 1 %}{% endgeneration %}{{ hidden is defined }}{% else %}{{ m.content }}{% endif %}
{% endfor %}""", chats("system")),
]

FIXTURES["expressions"] = [
    template("arithmetic", r"""{{ 1 + 2 * 3 - 4 / 2 }} {{ 2 ** 3 ** 2 }} {{ -2 ** 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ -7.5 // 2 }} {{ 1 / 3 }} {{ 10 / 4 }} {{ 6 / 3 }} {{ 2 ** -1 }} {{ 2 ** 0.5 }} {{ 4 ** 0.5 }}
{{ true + true }} {{ 3 * true }} {{ 'ab' * 3 }} {{ 2 * 'c' }} {{ 'x' * -1 }} {{ [1] * 2 }} {{ [1, 2] + [3] }} {{ (1,) + (2,) }} {{ -(3) }} {{ +true }} {{ - 1.5 }} {{ 1 - -1 }}
{{ 0.1 + 0.2 }} {{ 1e22 }} {{ 1e-5 }} {{ 1.5e300 * 1e10 }} {{ -1.5e300 * 1e10 }} {{ 100.0 }} {{ 1_000 }} {{ 0x1F }} {{ 0o17 }} {{ 0b101 }} {{ -0.0 }} {{ 12345678901234567.0 }} {{ 1e16 }} {{ 9.1e15 }} {{ 0.0001 }} {{ 0.00012 }} {{ 123456789.123 }} {{ 5e-324 }} {{ 1.7976931348623157e308 }} {{ 2.5E3 }} {{ 1.0e-4 }}
{{ messages|length - 1 }} {{ 1 ~ 2 ~ none ~ true ~ 1.5 ~ [1] }} {{ 'a' ~ 1 * 2 }} {{ 'n=' ~ messages|length + 1 if false else 'n=' ~ (messages|length + 1) }} {{ -1|abs }}""",
             chats("user", "system")),
    template("comparisons-and-logic", r"""{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 1 == 1.0 }} {{ true == 1 }} {{ none == false }} {{ 0 == false }} {{ '' == false }} {{ 'a' < 'b' }} {{ 'B' < 'a' }} {{ [1, 2] < [1, 3] }} {{ (1, 2) == [1, 2] }} {{ {'a': 1, 'b': 2} == {'b': 2, 'a': 1} }} {{ 'é' > 'z' }} {{ 1 != 2 }} {{ 2 >= 2.0 }} {{ undefined_name == undefined_other }} {{ undefined_name == none }}
{{ 'ell' in 'hello' }} {{ '' in 'x' }} {{ 2 in [1, 2] }} {{ 'role' in messages[0] }} {{ 'zzz' not in messages[0] }} {{ 'a' in undefined_name }} {{ 'a' not in undefined_name }} {{ 1 in (1, 2) }} {{ not 1 in [1] }}
{{ none or 'default' }} {{ 'x' and 'y' }} {{ '' and 'y' }} {{ 0 or none }} {{ not messages }} {{ not none }} {{ (messages[0].missing or []) | length }} {{ messages and messages[0].role }}
{{ 'yes' if messages else 'no' }} {{ 'a' if false }}|{{ 1 if false else 2 if false else 3 }} {{ (1 if true else 2) + 1 }} {{ 'x' if undefined_name is defined and undefined_name.attr else 'y' }}""",
             chats("user", "system")),
    template("access-and-literals", r"""{{ messages[0].role }} {{ messages[0]['content'] }} {{ messages[-1].role }} {{ messages.0.role }} {{ messages[99] is defined }} {{ messages[0].nope is defined }} {{ messages[0]['nope'] is undefined }}
{{ messages[::-1]|map(attribute='role')|join(',') }} {{ messages[1:]|length }} {{ messages[:-1]|length }} {{ messages[::2]|length }} {{ 'abcdef'[1:4] }} {{ 'abcdef'[::-2] }} {{ 'abcdef'[-2:] }} {{ 'abcdef'[4:1] }} {{ 'abcdef'[-100:100] }} {{ 'héllo'[1] }} {{ 'abc'[-1] }} {{ [1, 2, 3][5:] }} {{ (1, 2, 3)[1:] }} {{ [1, 2, 3][none:2] }}
{{ [1, 'two', none, true, 1.5, {'k': 'v'}, (1,), (1, 2), [], ()] }} {{ {'a': [1, {'b': none}], 1: 'int key', none: 0, 2.5: 'f'} }} {{ () }} {{ (1) }} {{ [1, 2,] }} {{ {'a': 1,} }}
{{ {'x': 1}.x }} {{ {'items': 5}['items'] }} {{ {'items': 5}.items is defined }} {{ {'items': 5}.items is mapping }} {{ {'k': 1}['get'] is defined }} {{ {'_private': 1}._private }} {{ 'abc'.nothing is defined }}
{{ "it's" }} {{ 'say "hi"' }} {{ 'both \'" q' }} {{ [ "it's", 'say "hi"', 'both \'" q', 'tab\there', 'nl\nx', 'back\\slash', 'bell\a', 'é😀', '\u00e9\x41\101', '\u200b\u00ad\x85\u2028' ] }}
{{ "adjacent" ' strings' }} {{ 'esc: \t|\\|\'|\"|\x41|\u00e9|\U0001F600|\101|\q|\0' }}
{{ none }} {{ true }} {{ false }} {{ True }} {{ None }} {{ undefined_name }}|{{ messages[0] }}""",
             chats("user", "system", "tools", "parts")),
]

FIXTURES["filters"] = [
    template("text-filters", r"""{{ messages|length }} {{ messages|count }} {{ 'héllo'|length }} {{ {'a': 1}|length }} {{ undefined_name|length }}
{{ '  pad  '|trim }}|{{ 'xxhixx'|trim('x') }}|{{ none|trim }}|{{ undefined_name|trim }}|{{ 5|trim }}|{{ '\u3000wide\u00a0\x1c'|trim }}|
{{ 'hello WORLD'|upper }} {{ 'HeLLo'|lower }} {{ 'hELLO wORLD'|capitalize }} {{ "hello world-foo(bar [x <y {z don't"|title }} {{ 'ǆemal'|title }} {{ 'ßtraße'|upper }} {{ 'ǆ'|capitalize }}
{{ 'a-b-c'|replace('-', '+') }} {{ 'a-b-c'|replace('-', '', 1) }} {{ 'abc'|replace('', '.') }} {{ 5|replace('5', 'five') }}
{{ [1, 2, 3]|join }} {{ [1, 2.5, none, 'x']|join(', ') }} {{ messages|join('|', attribute='role') }} {{ undefined_name|join(',') }}|
{{ 'abc'|first }}{{ 'abc'|last }}{{ [1, 2]|first }}{{ [1, 2]|last }}{{ {'k': 1, 'l': 2}|first }}{{ {'k': 1, 'l': 2}|last }}|{{ []|first }}|{{ []|first is defined }}
{{ undefined_name|default('D') }} {{ ''|default('D') }} {{ ''|default('D', true) }} {{ none|default('D') }} {{ undefined_name|d }}| {{ 0|d(5, boolean=true) }} {{ messages[0].nope|default(messages[0].role) }}
{{ 'ab'|list }} {{ {'a': 1}|list }} {{ (1, 2)|list }} {{ undefined_name|list }} {{ 5|string }} {{ [1]|string }} {{ none|string }}{{ undefined_name|string }}
{{ 'one two  three, four_five 6'|wordcount }} {{ '<a href="x">&\'</a>'|e }} {{ 5|escape }} {{ none|e }} {{ '<b>'|safe }} {{ '<i>'|forceescape }}
{{ 'a\nb\n\nc'|indent }}|{{ 'a\nb'|indent(2, true) }}|{{ 'a\n\nb'|indent(2, blank=true) }}|{{ 'x\ny'|indent('> ', first=true) }}|{{ 'one'|indent(3) }}|{{ 'r\r\nn'|indent(1) }}""",
             [case("system", SYSTEM)]),
    template("number-filters", r"""{{ '3'|int }} {{ ' 42 '|int }} {{ '3.7'|int }} {{ 'x'|int }} {{ 'x'|int(-1) }} {{ 3.9|int }} {{ -3.9|int }} {{ true|int }} {{ none|int }} {{ '0x1A'|int(0, 16) }} {{ '1A'|int(base=16) }} {{ '1e3'|int }} {{ '-7'|int }} {{ '1_000'|int }}
{{ '4'|float }} {{ ' 2.5 '|float }} {{ 'x'|float }} {{ 3|float }} {{ 'inf'|float }} {{ '-Infinity'|float }} {{ none|float(1.5) }} {{ '1e-3'|float }}
{{ -3|abs }} {{ -2.5|abs }} {{ true|abs }} {{ 2.5|round }} {{ 3.5|round }} {{ -2.5|round }} {{ 2.675|round(2) }} {{ 3.14159|round(3) }} {{ 2.1|round(0, 'ceil') }} {{ 2.9|round(0, 'floor') }} {{ 3|round }} {{ 1.25|round(1, 'ceil') }} {{ 0.5|round }} {{ 1.5|round }}""",
             [case("user", USER)]),
    template("sequence-filters", r"""{{ [3, 1, 2]|sort }} {{ ['b', 'A', 'c', 'a']|sort }} {{ ['b', 'A', 'c', 'a']|sort(case_sensitive=true) }} {{ [3, 1, 2]|sort(reverse=true) }} {{ messages|sort(attribute='role')|map(attribute='content')|join(',') }} {{ {'b': 1, 'a': 2}|sort }}
{{ ['b', 'A', 'a', 'B', 'c']|unique|list }} {{ ['b', 'A', 'a']|unique(case_sensitive=true)|list }} {{ messages|unique(attribute='role')|map(attribute='role')|list }}
{{ {'b': 1, 'A': 2, 'c': 0}|dictsort }} {{ {'b': 1, 'A': 2, 'c': 0}|dictsort(by='value') }} {{ {'b': 1, 'A': 2}|dictsort(reverse=true) }} {{ {'b': 1, 'a': 2}|items|list }} {{ undefined_name|items|list }}
{{ [1, 2, 3, 4]|select('even')|list }} {{ [1, 2, 3]|reject('odd')|list }} {{ [0, 1, none, '', 'x', []]|select|list }} {{ [1, 5, 9]|select('>', 4)|list }} {{ [1, 2, 3]|select('in', [2, 3])|list }} {{ ['a', 'B']|select('lower')|list }} {{ [1, 2]|select('==', 2)|list }}
{{ messages|selectattr('role', 'equalto', 'user')|map(attribute='content')|list }} {{ messages|rejectattr('role', 'eq', 'user')|list|length }} {{ messages|selectattr('content')|list|length }} {{ messages|selectattr('tool_calls', 'defined')|list|length }} {{ messages|selectattr('tool_calls', 'undefined')|list|length }} {{ messages|rejectattr('role', 'in', ['tool', 'system'])|map(attribute='role')|join }}
{{ messages|map(attribute='role')|list }} {{ messages|map(attribute='nope', default='?')|join }} {{ ['a', 'b']|map('upper')|join }} {{ [' a ', 'b ']|map('trim')|list }} {{ ['x-y']|map('replace', '-', '+')|first }} {{ messages|map(attribute='role')|map('length')|sum }} {{ [{'a': {'b': 7}}]|map(attribute='a.b')|list }} {{ [[1, 2]]|map(attribute='1')|list }}
{{ [1, 2, 3]|sum }} {{ [1.5, 2]|sum }} {{ [[1], [2, 3]]|sum(start=[]) }} {{ [{'n': 2}, {'n': 3}]|sum(attribute='n') }} {{ [3, 1, 2]|min }} {{ [3, 1, 2]|max }} {{ ['b', 'A', 'c']|min }} {{ ['b', 'A', 'c']|max(case_sensitive=true) }} {{ []|max is defined }} {{ [{'n': 2}, {'n': 1}]|min(attribute='n') }}
{{ 'abc'|reverse }} {{ [1, 2, 3]|reverse|list }} {{ [1, 2, 3, 4, 5]|batch(2)|list }} {{ [1, 2, 3]|batch(2, 'x')|list }}""",
             chats("system", "tools")),
]

FIXTURES["filters"] += [
    # jinja2's map, select, reject, selectattr, rejectattr, unique, items and batch return generators: true even
    # when empty, gone through once, without a length; reverse returns an iterator.
    template("generators", r"""{% set users = messages|selectattr('role', 'equalto', 'user') %}{% for u in users %}{{ u.content }};{% endfor %}|{% for u in users %}again{% endfor %}|{{ users is iterable }}{{ users is sequence }}
{% if messages|selectattr('role', 'equalto', 'nobody') %}empty generators are true{% endif %}|{{ messages|map(attribute='role')|first }}|{{ messages|map(attribute='role')|list|last }}
{% set g = [1, 2, 3]|map('string') %}{{ g|first }}{{ g|list }}{{ g|list }}|{{ 2 in [1, 2, 3]|select }}{% set h = [1, 2, 3]|select %}{{ 1 in h }}{{ 1 in h }}{{ h|list }}
{% set r = [1, 2]|reverse %}{{ r|join }}{{ r|join }}|{{ (1, 2)|reverse|list }} {{ {'a': 1, 'b': 2}|reverse|list }} {{ [3, 1]|map('string')|reverse }} {{ undefined_name|reverse|list }}
{{ messages|selectattr('role')|list|length }} {{ [1, 2]|unique|list }} {{ {'k': 'v'}|items|list }} {{ [1, 2, 3]|batch(2)|map('length')|list }} {{ messages|map(attribute='role')|join('+') }} {{ messages|map(attribute='role')|sort }}
{% for m in messages|selectattr('role', 'ne', 'system') %}{{ loop.index }}/{{ loop.length }}{{ m.role[0] }} {% endfor %}""",
             chats("system", "tools")),
    # markupsafe's Markup from |safe and |escape: `+` escapes a plain string joined to it, `~` does not.
    template("markup", r"""{{ "Call '"|safe + messages[0].content + "' now"|safe }}
{{ ('<b>'|e) + '<i>' }} {{ '<'|e|e }} {{ '<'|forceescape|forceescape }} {{ 'x'|safe is escaped }} {{ 'x' is escaped }} {{ ('<a>'|safe)|upper + '<' }} {{ ('<a>'|safe) ~ '<' }}
{{ '<'|safe|string + '<' }} {{ '<' + '>'|safe }} {{ ('a'|safe) * 2 + '<' }} {{ ('<a>'|safe)|replace('a', 'b') + '<' }} {{ ('<a>'|safe)|tojson }} {{ ['<'|safe, '"'|e] }} {{ ('ab'|safe)|length }} {{ 'a'|safe == 'a' }} {{ ('a'|safe) in 'cat' }}
{{ ('  <x>  '|safe)|trim + '&' }} {{ none|safe + '<' }} {{ undefined_name|e }}|{{ 5|e + '<' }}""", [case("quotes", [{"role": "user", "content": "say \"<hi>\" & 'bye'"}])]),
]

FIXTURES["tests"] = [
    template("type-tests", r"""{% for v in [none, true, false, 0, 1, -3, 2.5, 'str', '', [], [1], (1,), {}, {'a': 1}, undefined_name, range, messages[0].get] %}
{{ v is defined }}{{ v is undefined }}{{ v is none }}{{ v is boolean }}{{ v is true }}{{ v is false }}{{ v is integer }}{{ v is float }}{{ v is number }}{{ v is string }}{{ v is mapping }}{{ v is iterable }}{{ v is sequence }}{{ v is callable }}{{ v is escaped }}
{% endfor %}
{{ undefined_name is defined }}{{ undefined_name is undefined }}{{ undefined_name is none }}{{ undefined_name is string }}{{ undefined_name is mapping }}{{ undefined_name is iterable }}{{ undefined_name is sequence }}{{ undefined_name is callable }}""",
             [case("user", USER)]),
    template("value-tests", r"""{{ 3 is odd }}{{ 4 is even }}{{ 2.0 is even }}{{ 3.0 is odd }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(2) }}{{ 1 is equalto 1 }}{{ 1 is eq 2 }}{{ 1 is ne 2 }}{{ 2 is gt 1 }}{{ 2 is ge 2 }}{{ 1 is lt 2 }}{{ 1 is le 0 }}{{ 1 is greaterthan 0 }}{{ 1 is lessthan 0 }}
{{ none is sameas none }}{{ false is sameas false }}{{ 0 is sameas false }}{{ true is sameas 1 }}{{ 'a' is in 'abc' }}{{ 1 is in [2] }}{{ 'abc' is lower }}{{ 'ABC' is upper }}{{ 'Abc' is lower }}{{ '12' is lower }}{{ 'a1' is lower }}
{{ messages is not string }} {{ not messages is string }} {{ messages[0].content is string and messages[0].content is not mapping }} {{ messages[0].role is equalto 'user' }} {{ messages|length is divisibleby 2 }}""",
             chats("user", "system")),
]

FIXTURES["methods"] = [
    template("string-methods", r"""{% set s = '  Hello, World  ' %}
[{{ s.strip() }}][{{ s.lstrip() }}][{{ s.rstrip() }}][{{ 'xxhixx'.strip('x') }}][{{ '\n\nbody\n'.lstrip('\n') }}][{{ 'a.b.'.rstrip('.') }}][{{ 'ab'.strip(none) }}]
{{ 'a,b,,c'.split(',') }} {{ ' a  b\tc\n'.split() }} {{ 'a,b,c'.split(',', 1) }} {{ 'a,b,c'.rsplit(',', 1) }} {{ '  a b  c '.rsplit(none, 1) }} {{ '  a b  c '.split(none, 1) }} {{ 'x</think>y</think>z'.split('</think>')[-1] }} {{ 'one\ntwo\r\nthree\rfour\x0bfive'.splitlines() }} {{ 'k\n\r\nl'.splitlines(true) }} {{ ''.split(',') }} {{ ''.split() }}
{{ 'abc'.startswith('a') }} {{ 'abc'.startswith(('x', 'ab')) }} {{ 'abc'.endswith('bc') }} {{ 'abc'.endswith('x') }} {{ 'é'.startswith('e') }} {{ 'abc'.endswith('') }}
{{ 'hello world'.upper() }} {{ 'HeLLo'.lower() }} {{ "they're bill's friends".title() }} {{ 'hELLO'.capitalize() }} {{ 'aBc'.swapcase() }}
{{ 'a-b-c'.replace('-', '+') }} {{ 'a-b-c'.replace('-', '+', 1) }} {{ 'héllo'.find('l') }} {{ 'héllo'.rfind('l') }} {{ 'abc'.find('z') }} {{ 'abc'.index('c') }} {{ 'banana'.count('an') }} {{ 'banana'.count('') }} {{ 'aaa'.replace('a', 'b', 2) }}
{{ ', '.join(['a', 'b']) }} {{ ''.join(messages|map(attribute='role')) }} {{ '{} and {}'.format('x', 2) }} {{ '{1}{0}{{lit}}'.format('a', 'b') }} {{ '{name}!'.format(name='N') }} {{ '{}'.format(none) }}
{{ '123'.isdigit() }} {{ '12a'.isdigit() }} {{ 'abc'.isalpha() }} {{ 'ab1'.isalnum() }} {{ ' \t'.isspace() }} {{ ''.isspace() }} {{ 'abc'.islower() }} {{ 'ABC'.isupper() }} {{ 'prefix-body'.removeprefix('prefix-') }} {{ 'body.txt'.removesuffix('.txt') }} {{ 'x'.removesuffix('') }}
{% for m in messages %}{{ m.content.strip().split('\n')|length }}{{ m.role.upper()[0] }}{% endfor %}""",
             chats("system", "reasoning")),
    template("container-methods", r"""{% set d = {'a': 1, 'b': none} %}{{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 'dflt') }} {{ d.get('b', 'dflt') }} {{ d.keys()|list }} {{ d.values()|list }} {{ d.items()|list }} {{ d.copy() }}
{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %} {% for k in d %}{{ k }}{% endfor %} {% for k in d.keys() %}{{ k }}{% endfor %} {% for v in d.values() %}{{ v }}{% endfor %}
{{ d.keys() }} {{ d.values() }} {{ d.items() }} {{ d.items()|length }} {{ d.keys()|first }} {{ d.keys()|last }} {{ 'a' in d.keys() }} {% set v = d.values() %}{{ v|list }}{{ v|list }} {% if {}.keys() %}t{% else %}f{% endif %} {{ d.items()|reverse|list }} {{ d.keys()[0] is defined }} {{ d.items() is sequence }}
{% set l = [1, 2, 1] %}{{ l.count(1) }} {{ l.index(2) }} {{ (1, 2).index(2) }} {{ (1, 1).count(1) }} {{ l.copy() }} {{ l.append is defined }} {{ d.update is defined }} {{ d.pop }}|
{{ messages[0].get('role') }} {{ messages[0].get('missing', 'none here') }} {{ messages[0].get('content')|length }}""",
             chats("system")),
]

FIXTURES["tojson"] = [
    template("tojson", r"""{{ tools|tojson }}
{{ tools[0]|tojson(indent=4) }}
{{ tools[0].function.parameters|tojson(indent=2, sort_keys=true) }}
{{ {'b': [1, 2.0, none, true, 'é😀"\\\n\u0001\b\f\r\t'], 'a': {}}|tojson(separators=(',', ':')) }}
{{ {'b': 1, 'a': [[]]}|tojson(indent='\t', separators=(', ', ' = ')) }}
{{ 'é😀\u2028\x7f'|tojson(ensure_ascii=true) }} {{ 'é😀\u2028\x7f'|tojson }} {{ 1.0|tojson }} {{ 1e20|tojson }} {{ 1.5e-7|tojson }} {{ (1, 'a')|tojson }} {{ {1: 2, true: 3, none: 4, 1.5: 5, false: 6}|tojson }} {{ [1, [2, [3]]]|tojson(indent=0) }} {{ [1]|tojson(indent=-1) }} {{ 'x'|tojson() }} {{ none|tojson }} {{ {'z': 1, 'a': 2}|tojson(sort_keys=true, indent=none) }} {{ [1, 2]|tojson(none, 1) }}
{{ messages|tojson }}
{% for m in messages %}{{ m|tojson(indent=1, ensure_ascii=false) }}{% endfor %}""",
             [case("tools", TOOL_CALLS, tools=TOOLS), case("unicode", UNICODE, tools=TOOLS)]),
]

FIXTURES["globals"] = [
    template("globals", r"""{{ range(3)|list }} {{ range(1, 7, 2)|list }} {{ range(5, 0, -2)|list }} {{ range(0)|list }} {% for i in range(messages|length) %}{{ i }}{% endfor %}
{{ dict(a=1, b='two') }} {{ dict({'x': 1}, y=2) }} {{ dict([('p', 1)]) }} {{ namespace(a=1, b=[2]) }} {% set ns = namespace({'k': 'v'}) %}{{ ns.k }}
{{ strftime_now('%Y-%m-%d %H:%M:%S') }} {{ strftime_now('%d %b %Y') }} {{ strftime_now('%B %d, %Y') }} {{ strftime_now('%A %a %j %U %p %I %y %f [%z] [%Z] %% %e') }} {{ strftime_now('%-d %-m') }} {{ strftime_now('') }}|
{{ strftime_now is defined }} {{ raise_exception is defined }} {{ lipsum is defined }}
{% set range = 'shadowed' %}{{ range }}""",
             [case("system", SYSTEM)]),
]

FAMILY_CASES = chats("user", "system", "multi", "unicode") + [
    case("tools", TOOL_CALLS, tools=TOOLS), case("tools+prompt", TOOL_CALLS, add_generation_prompt=True, tools=TOOLS),
    case("reasoning", REASONING), case("reasoning+prompt", REASONING, add_generation_prompt=True),
]

FIXTURES["families"] = [
    # Llama 3.x: the system message cut off and trimmed, defaults set when undefined, the date from strftime_now,
    # tools as indented JSON, a tool call's arguments as items or JSON, a filter binding tighter than `+`.
    template("system-split-dates-and-tool-calls", r"""{{- bos_token }}
{%- if extra_tools is defined %}{% set tools = extra_tools %}{% endif %}
{%- if not today is defined %}
    {%- set today = strftime_now("%d %b %Y") if strftime_now is defined else "never" %}
{%- endif %}
{%- if messages and messages[0]['role'] == 'system' %}
    {%- set system = messages[0]['content']|trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system = "" %}
{%- endif %}
<<SYS>>{{ today }}
{%- if builtin is defined %} builtin: {{ builtin | reject('equalto', 'calc') | join(", ") }}{% endif %}
{%- if tools is not none %}
    {%- for t in tools %}

{{ t | tojson(indent=4) }}
    {%- endfor %}
{%- endif %}
{{ system }}<</SYS>>
{%- for message in messages %}
    {%- if 'tool_calls' in message %}
        {%- if message.tool_calls|length != 1 %}{{ raise_exception("one call at a time") }}{% endif %}
        {%- set call = message.tool_calls[0].function %}
[CALL]{{ call.name }}(
        {%- for key, value in call.arguments | items %}{{ key ~ '=' ~ value }}{{ ', ' if not loop.last }}{% endfor %}) {{ call.arguments | tojson }}[/CALL]
    {%- elif message.role in ['tool', 'ipython'] %}
[OUT]{{ message.content | tojson if message.content is mapping else message.content }}[/OUT]
    {%- else %}
[{{ message.role }}]{{ '' + message['content'] | trim + '' }}[/{{ message.role }}]
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
[assistant]
{%- endif %}""",
             FAMILY_CASES + [case("builtin", USER, variables={"builtin": ["calc", "search"], "today": "1 Jan"}),
                             case("no-system-no-messages", [], variables={"extra_tools": TOOLS})]),
    # Mistral, Mixtral: strict alternation checked with raise_exception, selectattr/rejectattr chains, a dict
    # compared with ==, a tool's members written by their type, tool-call ids checked by length, content|string.
    template("alternation-and-tool-schemas", r"""{%- if messages[0]["role"] == "system" %}
    {%- set system_message = messages[0]["content"] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set loop_messages = messages %}
{%- endif %}
{%- set user_messages = loop_messages | selectattr("role", "equalto", "user") | list %}
{%- set ns = namespace(index=0) %}
{%- for message in loop_messages | rejectattr("role", "equalto", "tool") | selectattr("tool_calls", "undefined") %}
    {%- if (message["role"] == "user") != (ns.index % 2 == 0) %}
        {{- raise_exception("roles must alternate user/assistant") }}
    {%- endif %}
    {%- set ns.index = ns.index + 1 %}
{%- endfor %}
{{- bos_token }}
{%- for message in loop_messages %}
    {%- if message["role"] == "user" %}
        {%- if tools is not none and message == user_messages[-1] %}
            {{- "[TOOLS][" }}
            {%- for tool in tools %}
                {%- set tool = tool.function %}
                {{- '{' }}
                {%- for key, val in tool.items() if key != "parameters" %}
                    {%- if val is string %}{{ '"' + key + '": "' + val + '"' }}{% else %}{{ '"' + key + '": ' + val|tojson }}{% endif %}
                    {%- if not loop.last %}{{ ", " }}{% endif %}
                {%- endfor %}
                {{- '}' }}{{ ", " if not loop.last }}
            {%- endfor %}
            {{- "][/TOOLS]" }}
        {%- endif %}
        {{- "[INST] " + (system_message + "\n\n" if loop.last and system_message is defined else "") + message["content"] + " [/INST]" }}
    {%- elif message.tool_calls is defined and message.tool_calls is not none %}
        {{- "[CALLS][" }}
        {%- for tool_call in message.tool_calls %}
            {%- set out = tool_call.function|tojson %}
            {{- out[:-1] }}
            {%- if not tool_call.id is defined or tool_call.id|length != 9 %}{{ raise_exception("ids have 9 characters") }}{% endif %}
            {{- ', "id": "' + tool_call.id + '"}' }}
        {%- endfor %}
        {{- "]" + eos_token }}
    {%- elif message["role"] == "tool" %}
        {{- '[RESULT] {"content": ' + message.content|string + ", " + '"id": "' + message.tool_call_id + '"}[/RESULT]' }}
    {%- elif message["role"] == "assistant" %}
        {{- " " + message["content"]|trim + eos_token }}
    {%- else %}
        {{- raise_exception("unknown role " ~ message.role) }}
    {%- endif %}
{%- endfor %}""",
             FAMILY_CASES + [case("bad-alternation", [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]),
                             case("bad-role", [{"role": "user", "content": "a"}, {"role": "robot", "content": "b"}])]),
    # Qwen2.5, SmolLM2: ChatML with a default system message, tools listed as JSON lines, runs of tool
    # messages grouped by looking at the neighbours through loop.index0.
    template("chatml-with-tools", r"""{%- if tools %}
    {{- '<|im_start|>system\n' + (messages[0].content if messages[0].role == 'system' else 'You are a helpful assistant.') + '\n\n<tools>' }}
    {%- for tool in tools %}
        {{- "\n" }}{{- tool | tojson }}
    {%- endfor %}
    {{- "\n</tools><|im_end|>\n" }}
{%- elif messages[0].role == 'system' %}
    {{- '<|im_start|>system\n' + messages[0].content + '<|im_end|>\n' }}
{%- else %}
    {{- '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}{{ '\n' + message.content }}{% endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}{% set tool_call = tool_call.function %}{% endif %}
            {{- '\n<tool_call>\n{"name": "' + tool_call.name + '", "arguments": ' + tool_call.arguments | tojson + '}\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}{{ '<|im_start|>user' }}{% endif %}
        {{- '\n<tool_response>\n' + message.content + '\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}{{ '<|im_end|>\n' }}{% endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}""", FAMILY_CASES),
    # Qwen3, DeepSeek-R1, GLM-4.5: the last real user turn found by walking the reversed list with a namespace,
    # reasoning cut out of the content with split/strip, enable_thinking checked with `is false`.
    template("reasoning-turns", r"""{%- set ns = namespace(multi_step=true, last_query=messages|length - 1) %}
{%- for message in messages[::-1] %}
    {%- set index = (messages|length - 1) - loop.index0 %}
    {%- if ns.multi_step and message.role == "user" and message.content is string and not(message.content.startswith('<tool_response>') and message.content.endswith('</tool_response>')) %}
        {%- set ns.multi_step = false %}
        {%- set ns.last_query = index %}
    {%- endif %}
{%- endfor %}
{%- for message in messages %}
    {%- set content = message.content if message.content is string else '' %}
    {%- if message.role == "assistant" %}
        {%- set reasoning = '' %}
        {%- if message.reasoning_content is string %}
            {%- set reasoning = message.reasoning_content %}
        {%- elif '</think>' in content %}
            {%- set reasoning = content.split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n') %}
            {%- set content = content.split('</think>')[-1].lstrip('\n') %}
        {%- endif %}
        {%- if loop.index0 > ns.last_query and (loop.last or reasoning) %}
            {{- '<turn>' + message.role + '\n<think>\n' + reasoning.strip('\n') + '\n</think>\n\n' + content.lstrip('\n') }}
        {%- else %}
            {{- '<turn>' + message.role + '\n' + content }}
        {%- endif %}
        {%- if message.tool_calls %}
            {%- for tool_call in message.tool_calls %}
                {%- if (loop.first and content) or (not loop.first) %}{{ '\n' }}{% endif %}
                {%- if tool_call.function %}{% set tool_call = tool_call.function %}{% endif %}
                {{- '<call>' + tool_call.name + ':' }}{{ tool_call.arguments if tool_call.arguments is string else tool_call.arguments | tojson }}{{ '</call>' }}
            {%- endfor %}
        {%- endif %}
        {{- '<end>\n' }}
    {%- else %}
        {{- '<turn>' + message.role + '\n' + content + '<end>\n' }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<turn>assistant\n' }}
    {%- if enable_thinking is defined and enable_thinking is false %}{{ '<think>\n\n</think>\n\n' }}{% endif %}
{%- endif %}""", FAMILY_CASES + [case("thinking-off", USER, add_generation_prompt=True, variables={"enable_thinking": False}),
                                 case("thinking-on", USER, add_generation_prompt=True, variables={"enable_thinking": True})]),
    # Gemma 2/3: BOS, the system message folded into the first user turn, roles renamed, content as a string or a
    # list of parts, every text trimmed.
    template("folded-system-and-parts", r"""{{ bos_token }}
{%- if messages[0]['role'] == 'system' -%}
    {%- if messages[0]['content'] is string -%}
        {%- set first_prefix = messages[0]['content'] + '\n\n' -%}
    {%- else -%}
        {%- set first_prefix = messages[0]['content'][0]['text'] + '\n\n' -%}
    {%- endif -%}
    {%- set loop_messages = messages[1:] -%}
{%- else -%}
    {%- set first_prefix = "" -%}
    {%- set loop_messages = messages -%}
{%- endif -%}
{%- for message in loop_messages -%}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
        {{ raise_exception("user and model must take turns") }}
    {%- endif -%}
    {%- set role = "model" if message['role'] == 'assistant' else message['role'] -%}
    {{ '<turn>' + role + '\n' + (first_prefix if loop.first else "") }}
    {%- if message['content'] is string -%}
        {{ message['content'] | trim }}
    {%- elif message['content'] is iterable -%}
        {%- for item in message['content'] -%}
            {%- if item['type'] == 'image' -%}{{ '<image>' }}{%- elif item['type'] == 'text' -%}{{ item['text'] | trim }}{%- endif -%}
        {%- endfor -%}
    {%- else -%}
        {{ raise_exception("content must be text or parts") }}
    {%- endif -%}
    {{ '<end>\n' }}
{%- endfor -%}
{%- if add_generation_prompt -%}{{ '<turn>model\n' }}{%- endif -%}""",
             chats("user", "system", "multi", "parts", "unicode") + [case("tools-break-alternation", TOOL_CALLS)]),
    # Phi-3/4, OLMo: role tags, the EOS after the last turn unless a generation prompt follows, optional
    # per-message tools, loop.last in the body.
    template("role-tags-and-eos", r"""{{ bos_token }}{% for message in messages %}{% if message['role'] == 'system' and 'tools' in message and message['tools'] is not none %}{{ '<|' + message['role'] + '|>' + message['content'] + '<|tool|>' + message['tools'] + '<|/tool|>' + '<|end|>' }}{% else %}{{ '<|' + message['role'] + '|>\n' + (message['content'] or '') + '<|end|>' }}{% endif %}
{% if not loop.last %}{{ '\n' }}{% elif add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}{% endfor %}""",
             chats("user", "system", "tools") + [case("system-tools", [{"role": "system", "content": "S", "tools": "[{\"name\": \"f\"}]"}, {"role": "user", "content": "U"}])]),
    # DeepSeek-V3/R1: flags and the system prompt gathered in a namespace, tool calls and outputs opened and closed
    # across messages, non-ASCII special tokens, `is none` on content.
    template("namespace-flags", r"""{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}
{%- set ns = namespace(first=true, in_tool=false, system='', first_system=true) %}
{%- for message in messages %}{% if message['role'] == 'system' %}{% if ns.first_system %}{% set ns.system = ns.system + message['content'] %}{% set ns.first_system = false %}{% else %}{% set ns.system = ns.system + '\n\n' + message['content'] %}{% endif %}{% endif %}{% endfor %}
{{- bos_token }}{{ ns.system }}
{%- for message in messages %}
    {%- if message['role'] == 'user' %}{% set ns.in_tool = false %}{{ '｜User｜' + message['content'] }}{% endif %}
    {%- if message['role'] == 'assistant' and 'tool_calls' in message %}
        {%- set ns.in_tool = false %}
        {%- for tool in message['tool_calls'] %}
            {%- if ns.first %}{{ '｜Assistant｜' + (message['content'] if message['content'] is not none else '') + '｜calls▁begin｜' }}{% set ns.first = false %}{% endif %}
            {{- '｜call▁begin｜' + tool['type'] + '｜sep｜' + tool['function']['name'] + '\n```json\n' + tool['function']['arguments']|tojson + '\n```｜call▁end｜' }}
        {%- endfor %}
        {{- '｜calls▁end｜' + eos_token }}
    {%- endif %}
    {%- if message['role'] == 'assistant' and 'tool_calls' not in message %}
        {%- if ns.in_tool %}{{ '｜outputs▁end｜' }}{% set ns.in_tool = false %}{% endif %}
        {%- set content = message['content'] %}
        {%- if '</think>' in content %}{% set content = content.split('</think>')[-1] %}{% endif %}
        {{- '｜Assistant｜' + content + eos_token }}
    {%- endif %}
    {%- if message['role'] == 'tool' %}
        {%- if not ns.in_tool %}{{ '｜outputs▁begin｜' }}{% set ns.in_tool = true %}{% endif %}
        {{- '｜output｜' + message['content'] + '｜/output｜' }}
    {%- endif %}
{%- endfor %}
{%- if ns.in_tool %}{{ '｜outputs▁end｜' }}{% endif %}
{%- if add_generation_prompt and not ns.in_tool %}{{ '｜Assistant｜<think>\n' }}{% endif %}""",
             FAMILY_CASES + [case("ends-in-tool", TOOL_CALLS[:5], add_generation_prompt=True)]),
    # Granite: a default system message with today's date, documents and controls, `in` on an undefined variable,
    # tools and controls as JSON, a document id through |string.
    template("documents-and-controls", r"""{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content'] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set system_message = "Today is " + strftime_now('%B %d, %Y') + "." %}
    {%- if tools and documents %}{% set system_message = system_message + " Use tools and documents." %}
    {%- elif tools %}{% set system_message = system_message + " Use tools." %}
    {%- elif documents %}{% set system_message = system_message + " Use documents." %}
    {%- endif %}
    {%- if 'citations' in controls and documents %}{% set system_message = system_message + " Cite them." %}{% endif %}
    {%- set loop_messages = messages %}
{%- endif %}
{{- '<role>system</role>' + system_message + '<eot>\n' }}
{%- if tools %}{{ '<role>tools</role>' + tools | tojson(indent=4) + '<eot>\n' }}{% endif %}
{%- if documents %}
    {%- for document in documents %}
        {{- '<role>document {"id": "' + document['doc_id'] | string + '"}</role>\n' + document['text'] + '<eot>\n' }}
    {%- endfor %}
{%- endif %}
{%- for message in loop_messages %}
    {{- '<role>' + message['role'] + '</role>' + (message['content'] if message['content'] is not none else '') + '<eot>\n' }}
    {%- if loop.last and add_generation_prompt %}
        {{- '<role>assistant' }}{% if controls %}{{ ' ' + controls | tojson() }}{% endif %}{{ '</role>' }}
    {%- endif %}
{%- endfor %}""",
             chats("user", "system") + [case("documents", USER, add_generation_prompt=True, documents=DOCUMENTS, tools=TOOLS),
                                        case("controls", USER, add_generation_prompt=True, documents=DOCUMENTS, variables={"controls": {"citations": True, "length": "short"}})]),
    # GLM-4: a prefix, a macro that flattens content, `.get()` with a default, tools as JSON with ensure_ascii,
    # arguments as key/value pairs with JSON for non-strings, a filtered loop over non-system messages.
    template("macro-content-and-arguments", r"""[gMASK]<sop>
{%- macro visible_text(content) -%}
    {%- if content is string -%}{{- content }}
    {%- elif content is iterable and content is not mapping -%}
        {%- for item in content -%}
            {%- if item is mapping and item.type == 'text' -%}{{- item.text }}{%- elif item is string -%}{{- item }}{%- endif -%}
        {%- endfor -%}
    {%- elif content is none -%}
    {%- else -%}{{- content }}
    {%- endif -%}
{%- endmacro -%}
{%- if tools -%}
<|system|>
# Tools{% for tool in tools %}{% set function = tool.function if tool.get("function") else tool %}

## {{ function.name }}

{{ function | tojson(indent=4, ensure_ascii=False) }}
{%- endfor %}
{%- endif -%}
{%- for m in messages if m.role == 'system' %}<|system|>{{ visible_text(m.content) }}{% endfor %}
{%- for m in messages if m.role != 'system' %}
    {%- set meta = m.get("metadata", "") %}
    {%- if m.role == 'user' %}<|user|>
{{ visible_text(m.content) }}{{ '/nothink' if (enable_thinking is defined and not enable_thinking and not visible_text(m.content).endswith("/nothink")) else '' }}
    {%- elif m.role == 'assistant' %}<|assistant|>{{ meta }}
{{ visible_text(m.content).strip() }}
        {%- for tc in m.tool_calls or [] %}
            {%- if tc.function %}{% set tc = tc.function %}{% endif %}
<call>{{ tc.name }}{% for k, v in tc.arguments.items() %}<k>{{ k }}</k><v>{{ v | tojson(ensure_ascii=False) if v is not string else v }}</v>{% endfor %}</call>
        {%- endfor %}
    {%- elif m.role == 'tool' %}<|observation|>
{{ visible_text(m.content) }}
    {%- endif %}
{%- endfor %}
{% if add_generation_prompt %}<|assistant|>{% endif %}""",
             FAMILY_CASES + chats("parts") + [case("nothink", USER, add_generation_prompt=True, variables={"enable_thinking": False})]),
    # gpt-oss: recursive macros turning JSON schemas into type text (`['items']` as an item, since `.items` is the
    # dict method), default variables set inside a macro, a namespace to find a later final message through a
    # slice from loop.index, `in` on message keys, strftime_now.
    template("schema-macros-and-channels", r"""{%- macro type_text(spec, required) -%}
    {%- if spec.type == "array" -%}
        {%- if spec['items'] -%}{{- type_text(spec['items'], required) + "[]" -}}{%- else -%}any[]{%- endif -%}
    {%- elif spec.type is defined and spec.type is iterable and spec.type is not string and spec.type is not mapping -%}
        {{- spec.type | join(" | ") -}}
    {%- elif spec.type == "string" -%}
        {%- if spec.enum -%}{{- '"' + spec.enum | join('" | "') + '"' -}}{%- else -%}string{%- endif -%}
    {%- elif spec.type in ["number", "integer"] -%}number
    {%- elif spec.type == "object" -%}
        {%- if spec.properties -%}
            {{- "{" -}}
            {%- for name, inner in spec.properties.items() -%}
                {{- name -}}{{- "?" if name not in (spec.required or []) -}}: {{ type_text(inner, spec.required or []) }}
                {%- if inner.default is defined %} = {{ inner.default | tojson }}{% endif -%}
                {%- if inner.nullable %} | null{% endif -%}
                {{- ", " if not loop.last -}}
            {%- endfor -%}
            {{- "}" -}}
        {%- else -%}object{%- endif -%}
    {%- else -%}any
    {%- endif -%}
{%- endmacro -%}
{%- macro header() -%}
    {%- if identity is not defined %}{% set identity = "You are a model." %}{% endif -%}
    {%- if effort is not defined %}{% set effort = "medium" %}{% endif -%}
    {{- identity }} Date: {{ strftime_now("%Y-%m-%d") }}. Effort: {{ effort }}.
{%- endmacro -%}
<|start|>system<|message|>{{ header() }}<|end|>
{%- if tools %}<|start|>developer<|message|>namespace functions {
    {%- for tool in tools %}{% set tool = tool.function %}
// {{ tool.description }}
type {{ tool.name }} = ({{ type_text(tool.parameters, []) }}) => any;
    {%- endfor %}
}<|end|>{% endif %}
{%- set last_call = namespace(name=none) %}
{%- for message in messages if message.role != 'system' %}
    {%- if message.role == 'assistant' and 'tool_calls' in message %}
        {%- set later = namespace(found=false) %}
        {%- for future in messages[loop.index:] %}{% if future.role == 'assistant' and 'tool_calls' not in future %}{% set later.found = true %}{% endif %}{% endfor %}
        {%- set call = message.tool_calls[0].function %}
        {%- if message.content and not later.found %}<|start|>assistant<|channel|>analysis<|message|>{{ message.content }}<|end|>{% endif %}
<|start|>assistant to=functions.{{ call.name }}<|message|>{{ call.arguments | tojson }}<|call|>
        {%- set last_call.name = call.name %}
    {%- elif message.role == 'tool' %}
<|start|>functions.{{ last_call.name or 'unknown' }}<|message|>{{ message.content }}<|end|>
    {%- elif message.role == 'assistant' %}
        {%- if "reasoning_content" in message and loop.last and not add_generation_prompt %}<|start|>assistant<|channel|>analysis<|message|>{{ message.reasoning_content }}<|end|>{% endif %}
<|start|>assistant<|channel|>final<|message|>{{ message.content }}{{ "<|return|>" if loop.last and not add_generation_prompt else "<|end|>" }}
    {%- else %}
<|start|>{{ message.role }}<|message|>{{ message.content }}<|end|>
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}<|start|>assistant{% endif %}""",
             FAMILY_CASES + [case("identity", USER, add_generation_prompt=True, variables={"identity": "Me.", "effort": "high"})]),
    # Command-R: a macro with a dict literal for type names, `is defined` on a dict lookup, documents as key: value
    # lines, a false system message compared with `!=`, content.strip().
    template("python-types-and-documents", r"""{% macro py_type(spec) %}{% set basic = {"string": "str", "number": "float", "integer": "int", "boolean": "bool"} %}{% if basic[spec.type] is defined %}{{- basic[spec.type] }}{% elif spec.type == "array" %}{{- "List[" + py_type(spec['items']) + "]" }}{% elif spec.type == "object" %}Dict[str, Any]{% else %}Any{% endif %}{% endmacro %}
{{- bos_token }}{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% elif false == true %}{% set loop_messages = messages %}{% set system_message = 'never' %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}
{%- if system_message != false %}{{ '<SYS>' + system_message + '</SYS>' }}{% endif %}
{%- if tools %}{% for tool in tools %}{% set f = tool.function %}
def {{ f.name }}({% for name, spec in f.parameters.properties.items() %}{{ ', ' if loop.index0 != 0 }}{{ name }}: {% if name not in f.parameters.required %}Optional[{{ py_type(spec) }}] = None{% else %}{{ py_type(spec) }}{% endif %}{% endfor %}):
    # {{ f.description }}
{% endfor %}{% endif %}
{%- if documents %}{% for document in documents %}
Document: {{ loop.index0 }}
{% for key, value in document.items() %}{{ key }}: {{ value }}
{% endfor %}{% endfor %}{% endif %}
{%- for message in loop_messages %}{% set content = message['content'] %}{% if message['role'] == 'user' %}{{ '<USER>' + content.strip() + '</USER>' }}{% elif message['role'] == 'assistant' %}{{ '<BOT>' + (content or '').strip() + '</BOT>' }}{% else %}{{ '<' + message['role']|upper + '>' + content|string + '</' + message['role']|upper + '>' }}{% endif %}{% endfor %}
{%- if add_generation_prompt %}{{ '<BOT>' }}{% endif %}""",
             FAMILY_CASES + [case("documents", SYSTEM, add_generation_prompt=True, documents=DOCUMENTS, tools=TOOLS)]),
]

FIXTURES["errors"] = [
    template(name, source, [case("user", USER)]) for name, source in [
        ("raise-exception", "{% for m in messages %}{% if m.role == 'user' %}{{ raise_exception('Only assistants may speak.') }}{% endif %}{% endfor %}"),
        ("attribute-of-undefined", "{{ missing.attr }}"),
        ("item-of-undefined", "{{ messages[5]['role'] }}"),
        ("is-defined-on-undefined", "{{ missing.attr is defined }}"),
        ("string-plus-number", "{{ messages[0].content + 1 }}"),
        ("undefined-plus-string", "{{ missing + 'x' }}"),
        ("none-plus-string", "{{ none + 'x' }}"),
        ("undefined-tojson", "{{ missing|tojson }}"),
        ("namespace-tojson", "{{ namespace(a=1)|tojson }}"),
        ("append-is-refused", "{% set l = [1] %}{{ l.append(2) }}"),
        ("update-is-refused", "{% set d = {} %}{% set x = d.update({'a': 1}) %}"),
        ("division-by-zero", "{{ 1 // 0 }}"),
        ("order-of-mixed-types", "{{ 'a' < 1 }}"),
        ("unpacking", "{% for a, b in [[1, 2, 3]] %}{% endfor %}"),
        ("attribute-of-non-namespace", "{% set x = 1 %}{% set x.a = 2 %}"),
        ("call-of-undefined", "{{ nosuchfunction() }}"),
        ("unknown-filter", "{{ 'x'|nosuchfilter }}"),
        ("unknown-test", "{{ 'x' is nosuchtest }}"),
        ("too-many-macro-arguments", "{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}"),
        ("unknown-macro-keyword", "{% macro m(a) %}{% endmacro %}{{ m(z=1) }}"),
        ("call-block-without-caller", "{% macro m() %}x{% endmacro %}{% call m() %}body{% endcall %}"),
        ("caller-without-call-block", "{% macro m() %}{{ caller() }}{% endmacro %}{{ m() }}"),
        ("length-of-none", "{{ none|length }}"),
        ("loop-over-none", "{% for x in none %}{% endfor %}"),
        ("number-in-string", "{{ 1 in 'abc' }}"),
        ("join-of-numbers", "{{ ', '.join([1, 2]) }}"),
        ("missing-endif", "{% if true %}x"),
        ("stray-endfor", "{% endfor %}"),
        ("empty-if", "{% if %}x{% endif %}"),
        ("incomplete-expression", "{{ 1 + }}"),
        ("unterminated-string", "{{ 'abc }}"),
        ("unclosed-comment", "{# comment"),
        ("unclosed-variable", "{{ x"),
        ("break-outside-loop", "{% break %}"),
        ("unknown-tag", "{% frobnicate %}"),
        ("do-tag", "{% do x %}"),
        ("unbalanced-bracket", "{{ (1 ] }}"),
        ("undefined-slice", "{{ missing[1:] }}"),
        ("int-of-undefined", "{{ missing|int }}"),
        ("odd-of-undefined", "{{ missing is odd }}"),
        ("undefined-comparison", "{{ missing < 1 }}"),
        ("negative-of-list", "{{ -[1] }}"),
        ("call-of-string", "{{ 'x'() }}"),
        ("split-on-empty-separator", "{{ 'abc'.split('') }}"),
        ("index-not-found", "{{ 'abc'.index('z') }}"),
        ("dictsort-by-nothing", "{{ {'a': 1}|dictsort(by='x') }}"),
        ("length-of-generator", "{{ messages|selectattr('role')|length }}"),
        ("tojson-of-generator", "{{ messages|map(attribute='role')|tojson }}"),
        ("last-of-generator", "{{ messages|map(attribute='role')|last }}"),
        ("markup-plus-number", "{{ 'a'|safe + 1 }}"),
        ("tojson-of-dict-view", "{{ {'a': 1}.keys()|tojson }}"),
    ]
]


def render(source, item):
    compiled = ENVIRONMENT.from_string(source)
    keywords = {**item["special_tokens"], **item["variables"]}
    return compiled.render(messages=item["messages"], tools=item["tools"], documents=item["documents"],
                           add_generation_prompt=item["add_generation_prompt"], **keywords)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for fixture, templates in FIXTURES.items():
        for entry in templates:
            for item in entry["cases"]:
                item.pop("expected", None)
                item.pop("error", None)
                try:
                    item["expected"] = render(entry["template"], item)
                except Exception as error:  # noqa: BLE001 (jinja2 raises many kinds; the test only needs to know it failed)
                    item["error"] = f"{type(error).__name__}: {error}"
        path = os.path.join(OUT_DIR, fixture + ".json")
        with open(path, "w", encoding="utf-8") as file:
            json.dump({"templates": templates}, file, ensure_ascii=False, indent=1)
            file.write("\n")
        print(f"{path}: {len(templates)} templates, {sum(len(t['cases']) for t in templates)} cases")


if __name__ == "__main__":
    main()
