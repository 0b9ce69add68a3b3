"""A user task's instructions: an untrusted Jinja template filled in as plain text.

Designers write the template, so it gets the same bounds as diagram code: it can
neither escape the sandbox, nor build huge values, nor loop for long. Whatever goes
wrong, the person doing the task still sees the raw instructions with a short note,
never an error page.
"""
from __future__ import annotations

import pytest

from workflows.engine.instructions import MAX_INSTRUCTIONS_LENGTH, render_instructions

NOTE = "(The instructions could not be filled in: "


def note_of(template: str, **data) -> str:
    """The note shown after the raw template when rendering it was refused or failed."""
    result = render_instructions(template, data)
    assert result.startswith(f"{template}\n\n{NOTE}"), result[:300]
    assert result.endswith(")") and len(result) < len(template) + 600
    return result[len(template) + 2 + len(NOTE):-1]


# ----------------------------------------------------------------- instructions as designers write them

def test_the_shipped_instructions_fill_in_the_task_data():
    consultation = "{{ staff_member }}, your department is consulting every member of staff on its draft policy."
    revision = "Read every staff response, then revise the policy. Overall risk rating: {{ risk_rating }}."
    assert render_instructions(consultation, {"staff_member": "sonographer1"}).startswith("sonographer1, your")
    assert render_instructions(revision, {"risk_rating": "medium"}).endswith("Overall risk rating: medium.")


@pytest.mark.parametrize(("template", "data", "expected"), [
    ("{% for name in staff %}{{ loop.index }}. {{ name|title }}{% if not loop.last %}; {% endif %}{% endfor %}",
     {"staff": ["ann lee", "bo"]}, "1. Ann Lee; 2. Bo"),
    ("{{ policy.title ~ ' (' ~ policy.department ~ ')' }}", {"policy": {"title": "T", "department": "D"}}, "T (D)"),
    ("{{ '%s: %d days'|format(name, days) }} / {{ '{} of {}'.format(1, 2) }}", {"name": "Review", "days": 30},
     "Review: 30 days / 1 of 2"),
    ("{{ missing|default('not given') }}, {{ 'a long sentence'|truncate(9) }}", {}, "not given, a..."),
    ("{{ scores|sort|join(', ') }} max {{ scores|max }} sum {{ scores|sum }}", {"scores": [3, 1, 2]},
     "1, 2, 3 max 3 sum 6"),
    ("{{ items|selectattr('done')|map(attribute='name')|join(',') }}",
     {"items": [{"name": "a", "done": True}, {"name": "b", "done": False}]}, "a"),
    ("{% for key, value in answers|dictsort %}{{ key }}={{ value }} {% endfor %}", {"answers": {"b": 2, "a": 1}},
     "a=1 b=2 "),
    ("{{ (2.345 * 2)|round(1) }} {{ '12'|int + 1 }} {{ 7 // 2 }} {{ 2 ** 10 }} {{ 'ab' * 2 }}", {}, "4.7 13 3 1024 abab"),
    ("{% set ns = namespace(count=0) %}{% for i in range(3) %}{% set ns.count = ns.count + i %}{% endfor %}"
     "{{ ns.count }}", {}, "3"),
    ("{{ text.split(',')|length }} {{ text.upper()[:3] }} {{ '<b>'|e }}", {"text": "a,b,c"}, "3 A,B &lt;b&gt;"),
    ("{% raw %}{{ literally }}{% endraw %}", {}, "{{ literally }}"),
])
def test_ordinary_templates_render(template, data, expected):
    assert render_instructions(template, data) == expected


def test_long_instructions_are_cut_and_say_so():
    result = render_instructions("{% for i in range(5000) %}0123456789{% endfor %}", {})
    shown, _, note = result.partition("\n\n")
    assert len(shown) == MAX_INSTRUCTIONS_LENGTH
    assert note == f"(The instructions are longer than {MAX_INSTRUCTIONS_LENGTH:,} characters; the rest is not shown.)"


# ----------------------------------------------------------------- errors never reach the page as errors

@pytest.mark.parametrize(("template", "reason"), [
    ("{{ missing.attribute }}", "'missing' is undefined"),
    ("{% for x in %}", "Expected an expression"),
    ("{{ 1 / 0 }}", "division by zero"),
    ("{% include 'other.txt' %}", "include tags are not allowed in instructions"),
])
def test_a_broken_template_shows_itself_with_a_note(template, reason):
    assert reason in note_of(template)


@pytest.mark.parametrize("template", [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ '{0.__class__.__base__}'.format(1) }}",
    "{{ cycler.__init__.__globals__ }}",
])
def test_the_sandbox_keeps_python_internals_out_of_reach(template):
    assert "unsafe" in note_of(template) or "undefined" in note_of(template)


def test_a_template_cannot_change_task_data():
    data = {"staff": ["ann"], "answers": {"a": 1}}
    note_of("{{ staff.append('intruder') }}{{ answers.update(b=2) }}", **data)
    assert data == {"staff": ["ann"], "answers": {"a": 1}}


# ----------------------------------------------------------------- bombs are refused, quickly, before they build

BOMBS = [
    ("{{ ('a' * 50000000) | length }}", "a repeated sequence would be larger than 100,000 items"),
    ("{% for i in range(20000) %}{% for j in range(20000) %}{% endfor %}{% endfor %}", "loops ran more than"),
    ("{% set r = range(20000) %}{% for i in r %}{% for j in r %}{% endfor %}{% endfor %}", "loops ran more than"),
    ("{{ range(10**9)|length }}", "range() would be larger than"),
    ("{% for i in range(200) %}{% set x = range(100000)|list %}{% endfor %}", "at most 10,000,000"),
    ("{% set ns = namespace(s='a') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
     "a joined text would be larger than"),
    ("{% set ns = namespace(s='a') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
     "a joined sequence would be larger than"),
    ("{{ '%*s' % (50000000, 'a') }}", "widths in % formatting must be written out"),
    ("{{ '%*s'|format(50000000, 'a') }}", "widths in % formatting must be written out"),
    ("{{ '{:>50000000}'.format('a') }}", "a formatted text would be larger than"),
    ("{{ '{:{w}}'.format('a', w=50000000) }}", "format widths must be written out"),
    ("{{ ('{}' * 50000).format('a' * 100000) }}", "a formatted text would be larger than"),
    ("{{ 'a'.ljust(50000000) }}", "str.ljust() would be larger than"),
    ("{{ ('a' * 100000).translate({97: 'b' * 1000}) }}", "str.translate() would be larger than"),
    ("{{ 'a'|center(50000000) }}", "the center filter would be larger than"),
    ("{{ ('\n' * 100000)|indent(1000) }}", "the indent filter would be larger than"),
    ("{{ ('a' * 100000)|wordwrap(1, true, 'x' * 1000) }}", "the wordwrap filter would be larger than"),
    ("{{ ('a' * 100000)|replace('a', 'b' * 1000) }}", "the replace filter would be larger than"),
    ("{{ [1]|batch(50000000, 'x')|list }}", "the batch filter would be larger than"),
    ("{{ [1]|slice(50000000)|list }}", "the slice filter would be larger than"),
    ("{{ ('9' * 100000)|int }}", "more than 4,300 digits"),
    ("{{ 5|round(-100000000) }}", "rounds to at most 4,300 digits"),
    ("{{ ((((10**64)**64)**64)**64) }}", "a power would have more than 4,300 digits"),
    ("{{ range(0, 10**23, 2305843009213693951)|unique|list }}", "they all hash alike"),
    ("{% macro f(n) %}{{ f(n + 1) }}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "macros are not allowed"),
    ("{% block a %}{{ self.a() }}{{ self.a() }}{% endblock %}", "blocks are not allowed"),
    ("{% for x in items recursive %}{{ loop(items) }}{{ loop(items) }}{% endfor %}", "recursive loops are not allowed"),
    ("{% set x %}{% for i in range(100000) %}{{ 'a' * 99999 }}{% endfor %}{% endset %}", "set blocks are not allowed"),
    ("{% filter upper %}{% for i in range(100000) %}{{ 'a' * 99999 }}{% endfor %}{% endfilter %}",
     "filter blocks are not allowed"),
    ("{% for i in range(100000) %}{% if ('%099990d' % i)|length > 10**6 %}!{% endif %}{% endfor %}",
     "at most 10,000,000"),
    ("{{ lipsum(5000000) }}", "'lipsum' is undefined"),
]


@pytest.mark.parametrize(("template", "reason"), BOMBS)
def test_bombs_are_refused_with_the_raw_template_and_the_reason(template, reason):
    assert reason in note_of(template, items=[1])


@pytest.mark.parametrize("template", ["{{ notes }}", "{{ notes|join }}", "{{ notes|e }}", "{{ notes|tojson }}",
                                      "{{ '%s' % notes }}", "{{ notes ~ '' }}", "{{ notes|string|length }}"])
def test_data_small_in_memory_but_huge_written_out_is_not_written_out(template):
    """One long text referenced 100,000 times: a few hundred kilobytes, but 10 GB as text."""
    assert "larger than 100,000 items" in note_of(template, notes=["a" * 100_000] * 100_000)


def test_each_render_has_a_budget_of_its_own():
    """Rendering near the budget works every time: earlier renders do not use it up."""
    template = "{% for i in range(60000) %}{% endfor %}done"
    assert [render_instructions(template, {}) for _ in range(3)] == ["done"] * 3
