"""The restricted environment every diagram expression and script runs in.

Diagrams are uploaded by people, so their code is untrusted: it must not reach the
operating system, hang a worker or exhaust its memory, yet ordinary business logic
(arithmetic, dicts and lists, dates, ``%`` formatting) has to keep working and a
script's results have to reach the task data.
"""
from __future__ import annotations

from datetime import datetime

import pytest

from workflows.scripting import MAX_ITERATIONS, MAX_SEQUENCE_LENGTH, RestrictedEnvironment, UnsafeCode


def run(script: str, **data) -> dict:
    """Execute ``script`` on a copy of ``data`` as a script task would; return the task data after."""
    context = dict(data)
    RestrictedEnvironment().execute(script, context)
    return context


def evaluate(expression: str, **data):
    """Evaluate ``expression`` as a gateway condition or timer expression would."""
    return RestrictedEnvironment().evaluate(expression, dict(data))


# ----------------------------------------------------------------- the OS is out of reach

def escape_scripts(target) -> dict[str, str]:
    """Scripts that, run unrestricted, would create ``target`` on disk."""
    touch = f'"touch {target}"'
    return {
        "import statement": f"import os\nos.system({touch})",
        "__import__ call": f'__import__("os").system({touch})',
        "subclasses walk": (
            "for cls in ().__class__.__base__.__subclasses__():\n"
            "    if cls.__name__ == '_wrap_close':\n"
            f"        cls.__init__.__globals__['system']({touch})\n"),
        "getattr on dunders": (
            "base = getattr(getattr((), '__class__'), '__base__')\n"
            "for cls in getattr(base, '__subclasses__')():\n"
            "    if getattr(cls, '__name__') == '_wrap_close':\n"
            f"        getattr(getattr(cls, '__init__'), '__globals__')['system']({touch})\n"),
        "open for writing": f'open("{target}", "w").write("pwned")',
    }


@pytest.mark.parametrize("name", list(escape_scripts("x")))
def test_escape_attempt_raises_and_leaves_no_trace(tmp_path, name):
    """Every classic sandbox escape fails, and the file it would have created is not there."""
    target = tmp_path / "pwned"
    with pytest.raises(Exception):  # noqa: B017 - compile-time UnsafeCode or a run-time error, both refuse
        run(escape_scripts(target)[name])
    assert not target.exists()


def test_format_string_cannot_read_dunder_attributes():
    """``str.format`` can walk attributes in its replacement fields, so it is refused outright."""
    with pytest.raises(Exception) as refused:  # noqa: B017
        run('leak = "{0.__class__.__base__}".format(1)')
    assert "object" not in str(refused.value)


def test_import_of_time_gives_no_sleep():
    """``import time`` is let through only for strftime: a diagram cannot sleep a worker."""
    with pytest.raises(Exception):  # noqa: B017 - no attribute, or refused outright
        run("import time\ntime.sleep(0)")  # would return at once if sleep were there
    assert run("import time\nlabel = 'ok'") == {"label": "ok"}, "the stand-in module is not saved as data"


def test_open_is_not_even_readable(tmp_path):
    """Reading a file is refused too: a script cannot copy server files into task data."""
    secret = tmp_path / "secret.txt"
    secret.write_text("PINEAPPLE-42")
    with pytest.raises(NameError):
        run(f'content = open("{secret}").read()')


def test_dunder_names_are_refused_when_the_code_is_compiled():
    """Refusal happens before anything runs, with a reason naming the attribute."""
    with pytest.raises(UnsafeCode, match="__subclasses__"):
        run("classes = ().__class__.__base__.__subclasses__()")


# ----------------------------------------------------------------- no hangs, no memory bombs

def test_while_loop_is_refused_at_compile_time():
    with pytest.raises(UnsafeCode, match="while loops are not allowed"):
        run("while True:\n    pass")


def test_nested_loops_beyond_the_budget_stop():
    """Two modest loops nested multiply: the shared budget stops them, whatever range() allows."""
    side = int(MAX_ITERATIONS ** 0.5) + 10  # each range is small; together they exceed the budget
    script = f"n = 0\nfor i in range({side}):\n    for j in range({side}):\n        n += 1"
    with pytest.raises(UnsafeCode, match="loops ran more than"):
        run(script)


def test_nested_comprehension_in_an_expression_is_bounded():
    side = int(MAX_ITERATIONS ** 0.5) + 10
    with pytest.raises(UnsafeCode, match="loops ran more than"):
        evaluate(f"len([1 for i in range({side}) for j in range({side})])")


def test_iteration_budget_is_per_run_not_per_process():
    """A loop that fits the budget works every time; earlier runs do not use it up."""
    below = MAX_ITERATIONS * 2 // 3
    for _ in range(3):
        assert run(f"n = 0\nfor i in range({below}):\n    n += 1")["n"] == below


@pytest.mark.parametrize("source", ['"a" * 10**9', '"a" * 1000000000', '[0] * 1000000000', '1000000000 * "a"'])
def test_huge_repetition_is_refused(source):
    with pytest.raises(UnsafeCode, match="larger than"):
        evaluate(source)


def test_huge_range_and_power_are_refused():
    with pytest.raises(UnsafeCode):
        run("total = sum(range(10**12))")
    with pytest.raises(UnsafeCode):
        evaluate("10 ** 10 ** 10")


def grow(source):
    return pytest.param(source, id=source)


OVER = MAX_SEQUENCE_LENGTH * 10  # over the bound, yet harmless to allocate if the bound is missing

STRING_GROWTH = [
    grow(f'"a".ljust({OVER})'),
    grow(f'"a".center({OVER})'),
    grow(f'"7".zfill({OVER})'),
    grow(f'"ab".replace("a", "a" * {MAX_SEQUENCE_LENGTH})'),
    grow(f'str.ljust("a", {OVER})'),
    grow(f'"%{OVER}d" % 1'),
    grow(f'f"{{1:>{OVER}}}"'),
    grow(f'"".join(["a" * {MAX_SEQUENCE_LENGTH}] * 10)'),
    grow(f'f"{{1:*>{OVER}}}"'),
]


@pytest.mark.parametrize("source", STRING_GROWTH)
def test_string_growth_is_bounded_like_repetition(source):
    """Each is the same one-line memory bomb as ``"a" * 10**9`` at a larger width; shown here at a harmless size."""
    try:
        result = evaluate(source)
    except UnsafeCode:
        return
    assert len(result) <= MAX_SEQUENCE_LENGTH, f"{source} built a string of {len(result):,} characters"


def test_doubling_by_concatenation_is_bounded():
    """``s = s + s`` in a short loop grows exponentially; 30 rounds would need 100 TB."""
    try:
        result = run(f's = "a" * {MAX_SEQUENCE_LENGTH}\nfor i in range(4):\n    s = s + s')
    except UnsafeCode:
        return
    assert len(result["s"]) <= MAX_SEQUENCE_LENGTH, f"built a string of {len(result['s']):,} characters"


# ----------------------------------------------------------------- ordinary business logic works

def test_arithmetic_and_comparisons():
    assert evaluate("likelihood * impact >= 15", likelihood=5, impact=3) is True
    assert evaluate("likelihood * impact >= 15", likelihood=2, impact=3) is False
    assert evaluate("max(a, b, c) - min(a, b, c)", a=4, b=9, c=1) == 8


def test_subscript_conditions_like_the_diagram_uses():
    assert evaluate('employer_signoff["decision"] == "approved"', employer_signoff={"decision": "approved"})
    assert not evaluate('employer_signoff["decision"] == "approved"',
                        employer_signoff={"decision": "changes_requested"})


def test_percent_formatting_builds_a_timer_duration():
    """The review timer is written as ``"P%dM" % months``: it must evaluate to an ISO duration."""
    assert evaluate('"P%dM" % policy_draft["review_interval_months"]',
                    policy_draft={"review_interval_months": 18}) == "P18M"


def test_dates_and_durations():
    result = run("due = published + timedelta(days=30)\nlate = due < datetime(2030, 1, 1)",
                 published=datetime(2029, 12, 1))
    assert result["due"] == datetime(2029, 12, 31)
    assert result["late"] is True


def test_strftime_formats_a_date():
    """datetime.strftime imports ``time`` behind the scenes; it must work without opening imports."""
    assert run('label = datetime(2030, 5, 1).strftime("%d/%m/%Y")')["label"] == "01/05/2030"


def test_scripts_write_dicts_and_lists_and_return_them_to_the_task():
    result = run(
        "summary = {}\n"
        "summary['count'] = len(responses)\n"
        "names = []\n"
        "for r in responses:\n"
        "    names.append(r['answer'])\n"
        "names[0] = names[0].upper()\n"
        "summary['answers'] = sorted(names)\n"
        "highest = max([r['score'] for r in responses])\n",
        responses=[{"answer": "yes", "score": 3}, {"answer": "no", "score": 7}],
    )
    assert result["summary"] == {"count": 2, "answers": ["YES", "no"]}
    assert result["highest"] == 7
    assert result["responses"][1]["score"] == 7  # the input data is still there


def test_scripts_can_update_nested_task_data_and_delete_names():
    result = run("draft['months'] = 6\ndel obsolete", draft={"months": 12}, obsolete=True)
    assert result == {"draft": {"months": 6}}


def test_helpers_and_guards_do_not_leak_into_task_data():
    """Callables a script names and the sandbox's own names never end up in saved data."""
    result = run("import time\nlongest = max\nvalue = longest([21, 42])")
    assert result == {"value": 42}


def test_computed_fstring_widths_are_refused_at_compile_time():
    """A width computed at run time could not be checked before the string is built."""
    with pytest.raises(UnsafeCode):
        evaluate('f"{1:>{n}}"', n=10)


def test_doubling_in_place_is_bounded_like_concatenation():
    """``s += s`` is the in-place twin of ``s = s + s`` and must meet the same bound."""
    with pytest.raises(UnsafeCode):
        run(f's = "a" * {MAX_SEQUENCE_LENGTH // 2 + 1}\nfor i in range(2):\n    s += s')
