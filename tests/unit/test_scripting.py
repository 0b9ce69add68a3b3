"""The restricted environment every diagram expression and script runs in.

Diagrams are uploaded by people, so their code is untrusted: it must not reach the
operating system, hang a worker or exhaust its memory, yet ordinary business logic
(arithmetic, dicts and lists, dates, ``%`` formatting) has to keep working and a
script's results have to reach the task data.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from workflows.scripting import (
    MAX_ITERATIONS,
    MAX_SEQUENCE_LENGTH,
    RestrictedEnvironment,
    UnsafeCode,
    compile_expression,
    compile_script,
)


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


# ----------------------------------------------------------------- bypasses found by an attacker, each refused
# Each payload, unguarded, would build gigabytes or run for minutes. Each must stop with
# a refusal naming what was refused, before building anything large (a payload that
# is not stopped hangs or exhausts this test run: that is the failure).

def refusal(kind: str, source: str, **data) -> str:
    """The UnsafeCode message of running ``source`` as an expression ("e") or script ("s")."""
    with pytest.raises(UnsafeCode) as refused:
        evaluate(source, **data) if kind == "e" else run(source, **data)
    return str(refused.value)


def attack(kind: str, source: str, message: str, name: str):
    return pytest.param(kind, source, message, id=name)


HUGE = "50000000"
DOUBLING = "s = 'a' * 1000\nfor i in range(30):\n    s = {}"
PERCENT_AND_FORMAT = [
    attack("e", f"'%*s' % ({HUGE}, 'a')", "widths in % formatting must be written out", "star-width"),
    attack("e", f"'%0*d' % ({HUGE}, 1)", "widths in % formatting must be written out", "zero-padded-star-width"),
    attack("e", f"'%.*f' % ({HUGE}, 1.0)", "precisions in % formatting must be written out", "star-precision"),
    attack("e", "'%(a)*s' % {'a': 'x'}", "widths in % formatting must be written out", "mapping-key-star"),
    attack("s", f"t = '%' + '*s'\nu = t % ({HUGE}, 'a')", "must be written out", "template-built-at-run-time"),
    attack("e", "'%99999999s' % 'a'", "above 100,000 are not allowed", "written-out-huge-width"),
    attack("e", "b'%*s' % (10**9, b'a')", "must be written out", "bytes-star-width"),
    attack("e", "'%s' % ([('a' * 100000)] * 100000,)", "a formatted string would be larger than", "huge-argument"),
    attack("s", DOUBLING.format("'%s%s' % (s, s)"), "a formatted string would be larger than", "percent-doubling"),
    attack("s", DOUBLING.format("f'{s}{s}'"), "an f-string would be larger than", "f-string-doubling"),
    attack("e", "f'{[(\"a\" * 100000)] * 1000!r}'", "an f-string field would be larger than", "f-string-field"),
    attack("e", f"'{{:>{HUGE}}}'.format('a')", "str.format() is not allowed", "format-width"),
    attack("e", f"'{{:{{w}}}}'.format('a', w={HUGE})", "str.format() is not allowed", "format-computed-width"),
    attack("e", "'{a}'.format_map({'a': 1})", "str.format_map() is not allowed", "format-map"),
    attack("e", f"str.format('{{:>{HUGE}}}', 'a')", "str.format() is not allowed", "format-from-the-class"),
]
GROWING_METHODS = [
    attack("e", "('a' * 100000).translate({97: 'b' * 1000})", "str.translate() would be larger than", "translate"),
    attack("e", "('\\t' * 1000).expandtabs(1000)", "str.expandtabs() would be larger than", "expandtabs"),
    attack("e", "('\\U0010ffff' * 100000).encode('unicode_escape')", "encode() in diagrams supports", "encode-escape"),
    attack("e", "('\\u0600' * 90000).encode('ascii', 'namereplace')", "encode() in diagrams supports", "encode-names"),
    attack("e", "'x'.join(['a' * 99999] * 1000)", "str.join() would be larger than", "join"),
    attack("e", "str.ljust('a', 10**9)", "str.ljust() would be larger than", "ljust-from-the-class"),
    attack("e", "b'a'.ljust(10**9)", "bytes.ljust() would be larger than", "bytes-ljust"),
    attack("e", "(1).to_bytes(10**9, 'big')", "int.to_bytes() would be larger than", "to-bytes"),
    attack("e", "datetime(2020, 1, 1).strftime('%c' * 40000)", "strftime() would be larger than", "strftime"),
    attack("s", "import time\ns = time.strftime('%c' * 40000)", "strftime() would be larger than", "time-strftime"),
]
ALLOCATION = [
    attack("s", "l = []\nfor i in range(99000):\n    l.append(('a' * 99990) + str(i))",
           "at most 10,000,000 characters or items", "99000-distinct-long-strings"),
    attack("s", "s = 'a' * 99999\nl = [s[i:] for i in range(99000)]", "at most 10,000,000", "slices"),
    attack("s", "s = 'a' * 99999\nl = [s.upper() for i in range(99000)]", "at most 10,000,000", "method-results"),
    attack("s", "s = 'a' * 99999\nl = [s.split('x') for i in range(99000)]", "at most 10,000,000", "split-pieces"),
    attack("s", "l = [list(range(100000)) for i in range(1000)]", "at most 10,000,000", "list-of-range-repeated"),
    attack("e", "[[0] * 100000 for i in range(100000)]", "at most 10,000,000", "nested-comprehension"),
    attack("s", "s = set()\nfor i in range(100000):\n    s = s | {i}", "at most 10,000,000", "quadratic-union"),
    attack("s", "for i in range(100000):\n    s = str(10**4000)", "at most 10,000,000", "big-int-to-text"),
    attack("s", "b, a = 3**9000, 3**4500\nfor i in range(100000):\n    c = b // a", "at most 10,000,000",
           "big-int-division"),
    attack("s", "l = list(range(100000))\nfor i in range(100000):\n    found = -1 in l", "at most 10,000,000",
           "membership-scans"),
    attack("s", "l = list(range(100000))\nfor i in range(100):\n    m = max(l, key=str)", "at most 10,000,000",
           "key-function-calls"),
    attack("s", "n = 0\nfor row in zip(*[[1] * 100000] * 100000):\n    n += 1", "at most 10,000,000", "wide-zip"),
    attack("s", "s, t = 'a' * 100000, 'a' * 99999 + 'b'\nfor i in range(100000):\n    same = s == t",
           "at most 10,000,000", "comparing-long-texts"),
    attack("e", "len(sorted(['a' * 50000 + 'b', 'a' * 50000 + 'c'] * 50000))", "at most 10,000,000",
           "sorting-long-texts"),
    attack("e", "['a' * 50000 + 'b'] * 100000 == ['a' * 50000 + 'b'] * 100000", "at most 10,000,000",
           "comparing-lists-of-long-texts"),
    attack("s", "l = [0] * 10\nfound = 1 in l\nl[0] = 'a' * 100000\nneedle = 'a' * 99999 + 'b'\n"
                "for i in range(100000):\n    found = needle in l", "at most 10,000,000", "membership-after-a-change"),
]
CONTAINER_GROWTH = [
    attack("s", "l = [1]\nfor i in range(40):\n    l.extend(l)", "list.extend() would be larger than", "extend-doubling"),
    attack("s", "l = [1]\nfor i in range(40):\n    l += l", "a list would be larger than", "in-place-add-doubling"),
    attack("s", "l = [1]\nfor i in range(40):\n    l *= 2", "a repeated sequence would be larger than", "in-place-mul"),
    attack("s", "l = [1]\nfor i in range(40):\n    l[len(l):] = l", "a list would be larger than", "slice-assignment"),
    attack("s", "l = [1]\nfor i in range(40):\n    l = [*l, *l]", "a list would be larger than", "starred-display"),
    attack("s", "l = list(range(100000))\nl.insert(0, 1)", "list.insert() would be larger than", "insert"),
    attack("s", "l = [0] * 100000\nl.append(1)", "list.append() would be larger than", "append"),
    attack("s", "s = {1}\nfor i in range(100):\n    s.update(range(i * 1000, i * 1000 + 1001))",
           "set.update() would be larger than", "set-update"),
    attack("s", "d = {}\nfor i in range(100):\n    d.update(dict.fromkeys(range(i * 1000, i * 1000 + 1001)))",
           "dict.update() would be larger than", "dict-update"),
    attack("e", "{**dict.fromkeys(range(60000)), **dict.fromkeys(range(60000, 120000))}",
           "a dict would be larger than", "dict-display-merge"),
    attack("e", "set(range(100000)) | set(range(100000, 200000))", "a union would be larger than", "set-union"),
    attack("e", "sorted(range(10**9))", "range() would be larger than", "sorted-huge-range"),
    attack("e", "dict.fromkeys(range(10**6))", "range() would be larger than", "fromkeys-huge-range"),
    attack("e", "[*range(100000), *range(100000)]", "a list would be larger than", "two-starred-ranges"),
    attack("e", "[0] * 10**9", "a repeated sequence would be larger than", "repeated-list"),
]
INTEGERS = [
    attack("e", "((((10**64)**64)**64)**64)", "a power would have more than 4,300 digits", "tower-of-powers"),
    attack("e", "2 ** 14300", "a power would have more than 4,300 digits", "power"),
    attack("e", "1 << 20000", "a shifted integer would have more than 4,300 digits", "shift"),
    attack("e", "(10**3000) * (10**3000)", "a product would have more than 4,300 digits", "product"),
    attack("s", "x = 1 << 14000\nfor i in range(1000):\n    x = x + x", "a sum would have more than", "doubling-by-addition"),
    attack("e", "int('9' * 100000)", "int() of more than 4,300 digits", "int-of-long-text"),
    attack("e", "int('f' * 100000, 16)", "int() of more than 4,300 digits", "int-of-long-hex"),
    attack("e", "int.from_bytes(b'\\xff' * 100000, 'big')", "more than 4,300 digits", "int-from-bytes"),
    attack("e", "round(5, -10**8)", "round() to more than 4,300 digits", "round-to-huge-digits"),
    attack("e", "len({i * 2305843009213693951: 0 for i in range(100000)})", "they all hash alike", "colliding-dict-keys"),
    attack("e", "len({(i * 2305843009213693951,) for i in range(100000)})", "they all hash alike", "colliding-set"),
    attack("s", "d = {}\nfor i in range(100000):\n    d[i * 2305843009213693951] = 1", "they all hash alike",
           "colliding-item-assignment"),
    attack("e", "len(set(range(0, 10**23, 2305843009213693951)))", "they all hash alike", "colliding-range"),
]
NESTED_KEY = "t = (1,)\nfor i in range({levels}):\n    t = (t, t)\n"  # 2**levels items when written out
LONG_KEY = "k = tuple(range(100000))\n"
HASHING = [
    attack("s", NESTED_KEY.format(levels=64) + "d = {t: 1}", "nested at most 32 levels deep", "64-level-key"),
    attack("s", NESTED_KEY.format(levels=30) + "d = {t: 1}", "hashing dict keys and set members", "nested-key-display"),
    attack("s", NESTED_KEY.format(levels=30) + "d = {}\nd[t] = 1", "hashing dict keys", "nested-key-assignment"),
    attack("s", NESTED_KEY.format(levels=30) + "s = {t}", "hashing dict keys", "nested-set-member"),
    attack("s", NESTED_KEY.format(levels=30) + "v = {1: 2}.get(t)", "hashing dict keys", "nested-key-get"),
    attack("s", NESTED_KEY.format(levels=30) + "s = {1}\ns.discard(t)", "hashing dict keys", "nested-key-discard"),
    attack("s", NESTED_KEY.format(levels=40) + "n = t in {1: 2}", "at most 10,000,000", "nested-key-membership"),
    attack("s", NESTED_KEY.format(levels=40) + "u = (1,)\nfor i in range(40):\n    u = (u, u)\nsame = t == u",
           "at most 10,000,000", "comparing-shared-nested-tuples"),
    attack("s", LONG_KEY + "d = {k: i for i in range(100000)}", "hashing dict keys", "long-key-comprehension"),
    attack("s", LONG_KEY + "d = {(k, i): i for i in range(100000)}", "hashing dict keys", "long-key-in-pairs"),
    attack("s", LONG_KEY + "s = {(k, i) for i in range(100000)}", "hashing dict keys", "long-key-set-comprehension"),
    attack("s", LONG_KEY + "d = {}\nfor i in range(100000):\n    d[k] = i", "hashing dict keys", "long-key-assignment"),
    attack("s", LONG_KEY + "d = {}\nfor i in range(100000):\n    v = d.get(k)", "hashing dict keys", "long-key-lookup"),
    attack("s", LONG_KEY + "d = {k: 1}\nfor i in range(100000):\n    v = d[k]", "hashing dict keys", "long-key-item"),
]
TEXT_OF_SHARED_VALUES = [
    attack("e", "str([('a' * 100000)] * 100000)", "str() would be larger than", "str-of-shared-string"),
    attack("e", "str(object=[('a' * 100000)] * 100000)", "str() would be larger than", "str-by-keyword"),
    attack("s", "x = [('a' * 100000)] * 100000", "the task data would be too large to save", "saved-shared-string"),
    attack("s", "l = []\nfor i in range(10000):\n    l = [l]", "levels of nesting", "saved-deep-nesting"),
    attack("e", "len(items.append(items) or items)", "too large to save", "task-data-made-self-referencing"),
]


@pytest.mark.parametrize(("kind", "source", "message"), PERCENT_AND_FORMAT)
def test_percent_and_format_widths_are_written_out_and_bounded(kind, source, message):
    assert message in refusal(kind, source)


@pytest.mark.parametrize(("kind", "source", "message"), GROWING_METHODS)
def test_methods_that_grow_text_are_measured_before_they_run(kind, source, message):
    assert message in refusal(kind, source)


@pytest.mark.parametrize(("kind", "source", "message"), ALLOCATION)
def test_what_one_step_creates_in_all_is_bounded(kind, source, message):
    """Each object is under the per-object bound; together they are gigabytes, or minutes of work."""
    assert message in refusal(kind, source)


@pytest.mark.parametrize(("kind", "source", "message"), CONTAINER_GROWTH)
def test_containers_cannot_grow_past_the_bound(kind, source, message):
    assert message in refusal(kind, source)


@pytest.mark.parametrize(("kind", "source", "message"), INTEGERS)
def test_integers_are_bounded_before_they_are_computed(kind, source, message):
    assert message in refusal(kind, source)


@pytest.mark.parametrize(("kind", "source", "message"), HASHING)
def test_hashing_keys_is_charged(kind, source, message):
    """A tuple is hashed again, all the way down, each time it is a key: small in memory, endless to hash."""
    assert message in refusal(kind, source)


def test_ordinary_tuple_keys_and_lookups_still_work():
    result = run("d = {}\nfor i in range(1000):\n    d[(i, str(i))] = i\ni = None\npairs = {((1, 2), (3, 4)): 'x'}\n"
                 "found = [(3, '3') in d, d.get((5, '5')), d[(7, '7')], pairs[((1, 2), (3, 4))]]\n"
                 "grid = {(r, c): r * c for r in range(300) for c in range(300)}\nsize = len(grid)\nd = None\n"
                 "pairs = None\ngrid = None")
    assert result == {"found": [True, 5, 7, "x"], "size": 90000, "i": None, "d": None, "pairs": None, "grid": None}


@pytest.mark.parametrize(("kind", "source", "message"), TEXT_OF_SHARED_VALUES)
def test_values_small_in_memory_but_huge_written_out_are_refused(kind, source, message):
    """``[s] * 100000`` holds one string 100,000 times: cheap until it is shown or saved."""
    assert message in refusal(kind, source, items=[1, 2])


@pytest.mark.parametrize(("source", "message"), [
    ("class A:\n    pass", "class statements are not allowed in diagrams"),
    ("def f(n):\n    return f(n + 1) + f(n + 1)\nx = f(0)", "function definitions (def) are not allowed"),
    ("f = lambda: 1", "lambda functions are not allowed in diagrams"),
    ("x = [(yield 1)]", "yield is not allowed in diagrams"),
    ("async def f():\n    await g()", "function definitions (def) are not allowed"),
    ("while True:\n    pass", "while loops are not allowed"),
])
def test_code_no_budget_could_bound_is_refused_when_compiled(source, message):
    """Recursion is exponential in a few lines and uses no loop: it cannot be written at all."""
    with pytest.raises(UnsafeCode, match=re.escape(message)):
        compile_script(source)


def test_lambda_is_refused_in_expressions_too():
    with pytest.raises(UnsafeCode, match="lambda functions are not allowed"):
        compile_expression("sorted(items, key=lambda item: item)")


def test_a_caught_refusal_is_raised_again_when_the_step_ends():
    """Catching the UnsafeCode and carrying on does not get around a bound."""
    message = refusal("s", "try:\n    s = 'a' * 10**9\nexcept ValueError:\n    s = 'caught'")
    assert "a repeated sequence would be larger than" in message


def test_an_error_with_a_huge_value_is_shortened_before_anyone_shows_it():
    with pytest.raises(KeyError) as raised:
        evaluate("{}[tuple(['a' * 100] * 1000)]")
    assert len(str(raised.value)) < 200 and "too large to show" in str(raised.value)
    with pytest.raises(ValueError, match="not in the list"):
        evaluate("[].index([('a' * 1000)] * 100000)")


def test_budgets_start_afresh_for_each_step():
    """A step that used most of the allocation budget does not starve the next one."""
    script = "l = ['x' * 240 for i in range(25000)]\nn = len(l)"  # 6 million characters
    for _ in range(3):
        assert run(script)["n"] == 25000


# ----------------------------------------------------------------- refusals reach the person, through the engine

def _diagram(step: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs" targetNamespace="http://example.org">
  <bpmn:process id="bounded" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    {step}
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="step"/>
    <bpmn:sequenceFlow id="f2" sourceRef="step" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


def _timer(expression: str) -> bytes:
    return _diagram(f"""<bpmn:intermediateCatchEvent id="step"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:timerEventDefinition>
      <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">{expression}</bpmn:timeDuration>
      </bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>""")


_RATING = b"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d" namespace="http://example.org">
  <decision id="rating" name="Rating"><decisionTable id="table" hitPolicy="UNIQUE">
    <input id="in" label="size"><inputExpression id="expr" typeRef="integer">
      <text>len(str([note] * 100000))</text></inputExpression></input>
    <output id="out" label="rating" name="rating" typeRef="string"/>
    <rule id="r1"><inputEntry id="e1"><text>&gt; 1</text></inputEntry>
      <outputEntry id="o1"><text>"high"</text></outputEntry></rule>
  </decisionTable></decision>
</definitions>"""


def _started(files: dict, data: dict) -> str:
    """The message a person sees when the process cannot continue."""
    from workflows.engine.specs import load_bundle
    from workflows.engine.steps import WorkflowEngine
    from workflows.errors import WorkflowFailure

    with pytest.raises(WorkflowFailure) as failed:
        WorkflowEngine().start(load_bundle(files, {}), data, datetime.now(timezone.utc))
    return failed.value.message


def test_a_timer_expression_bomb_stops_with_its_reason():
    message = _started({"timer.bpmn": _timer('"P%dD" % ((10**64)**64)**64')}, {})
    assert "at step" in message and "a power would have more than 4,300 digits" in message


def test_a_dmn_cell_bomb_stops_with_its_reason():
    rule = ('<bpmn:businessRuleTask id="step"><bpmn:extensionElements><spiffworkflow:calledDecisionId>rating'
            '</spiffworkflow:calledDecisionId></bpmn:extensionElements><bpmn:incoming>f1</bpmn:incoming>'
            '<bpmn:outgoing>f2</bpmn:outgoing></bpmn:businessRuleTask>')
    message = _started({"rated.bpmn": _diagram(rule), "rating.dmn": _RATING}, {"note": "a" * 100000})
    assert "str() would be larger than 100,000 items" in message


def test_a_timer_of_a_billion_years_is_refused_before_the_library_counts_it_out():
    """SpiffWorkflow adds a duration month by month: "P999999999Y" would never finish."""
    message = _started({"timer.bpmn": _timer('"P999999999Y"')}, {})
    assert "timer durations longer than 1,000 years are not allowed" in message


@pytest.mark.parametrize("duration", ["P999999999D", "PT99999999999H", "P60000W", "P500Y200000D"])
def test_a_timer_past_the_limit_in_any_unit_is_refused_naming_the_limit(duration):
    """Not Python's "OverflowError: date value out of range" at the first step."""
    message = _started({"timer.bpmn": _timer(f'"{duration}"')}, {})
    assert "timer durations longer than 1,000 years are not allowed" in message
    assert "OverflowError" not in message


def test_a_reasonable_timer_still_waits():
    from workflows.engine.specs import load_bundle
    from workflows.engine.steps import WorkflowEngine

    now = datetime.now(timezone.utc)
    result = WorkflowEngine().start(load_bundle({"timer.bpmn": _timer('"P%dM" % months')}, {}), {"months": 18}, now)
    assert [element for element, _due in result.timers] == ["step"] and result.next_timer > now


def test_a_multi_instance_cardinality_is_bounded():
    many = _diagram("""<bpmn:scriptTask id="step"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:multiInstanceLoopCharacteristics isSequential="false"><bpmn:loopCardinality>10**8</bpmn:loopCardinality>
      </bpmn:multiInstanceLoopCharacteristics><bpmn:script>done = 1</bpmn:script></bpmn:scriptTask>""")
    assert "would create 100,000,000 instances; at most 500 are allowed" in _started({"many.bpmn": many}, {})


def test_a_written_out_star_width_is_refused_when_the_diagram_is_deployed():
    from workflows.engine.specs import load_bundle
    from workflows.errors import DiagramError

    with pytest.raises(DiagramError, match="must be written out"):
        load_bundle({"timer.bpmn": _timer("'%*s' % (50000000, 'a')")}, {})


# ----------------------------------------------------------------- legitimate code keeps working

@pytest.mark.parametrize(("source", "expected"), [
    ("any(x > 1 for x in items)", True),
    ("sum(x * 2 for x in items)", 12),
    ("isinstance('a', str) and isinstance(items, (list, tuple)) and not isinstance(1, dict)", True),
    ("str.upper('draft') + str(12) + str(b'ok', 'utf-8')", "DRAFT12ok"),
    ("sorted(['ccc', 'a', 'bb'], key=len)", ["a", "bb", "ccc"]),
    ("max(['ccc', 'a'], key=len)", "ccc"),
    ("sum([[1], [2, 3]], [])", [1, 2, 3]),
    ("[*items, *[4]]", [1, 2, 3, 4]),
    ("{**{'a': 1}, 'b': 2}", {"a": 1, "b": 2}),
    ("{x % 2 for x in items}", {0, 1}),
    ("{x: x * x for x in items}", {1: 1, 2: 4, 3: 9}),
    ("list(zip(*[[1, 2], [3, 4]]))", [(1, 3), (2, 4)]),
    ("dict.fromkeys(['a', 'b'], 0)", {"a": 0, "b": 0}),
    ("f'{7:>3}|{1234567:,}|{0.5:.0%}|{\"x\"!r}'", "  7|1,234,567|50%|'x'"),
    ("f'{datetime(2030, 5, 1):%d/%m/%Y}'", "01/05/2030"),
    ("'%(name)s has %d%%' % {'name': 'x'} if False else '%s: %5.1f' % ('risk', 2.25)", "risk:   2.2"),
    ("'a-b-c'.split('-') + ['d'.center(3)]", ["a", "b", "c", " d "]),
    ("int('42') + int(' 7 ') + round(2.5) + abs(-1)", 52),
    ("len(str(10**4000))", 4001),
    ("2 ** 1000 > 10 ** 300", True),
    ("'x' in 'xyz' and 2 in items and 5 not in items", True),
    ("{1, 2} | {3} == {1, 2, 3} and {1, 2} & {2} == {2} and {1, 2} - {1} == {2}", True),
    ("(datetime(2030, 1, 31) - datetime(2030, 1, 1)).days", 30),
    ("'%s' % [1, 'a']", "[1, 'a']"),
    ("'ab'.encode().decode('utf-8').replace('a', 'xy')", "xyb"),
])
def test_ordinary_expressions_still_evaluate(source, expected):
    assert evaluate(source, items=[1, 2, 3]) == expected


def test_in_place_operators_keep_python_semantics():
    """``lst += other`` extends the list itself (another name for it sees the change)."""
    result = run("alias = names\nnames += ('c',)\nnames *= 1\ncounts = {'a': 1}\ncounts |= {'b': 2}\n"
                 "seen = {1}\nseen |= {2}", names=["a", "b"])
    assert result["alias"] == ["a", "b", "c"] and result["names"] is result["alias"]
    assert result["counts"] == {"a": 1, "b": 2} and result["seen"] == {1, 2}


def test_a_step_may_build_a_large_but_bounded_result():
    """Up to the per-object bound is fine: a 100,000-item list, a 100,000-character text."""
    result = run(f"ids = list(range({MAX_SEQUENCE_LENGTH}))\ntext = 'x' * {MAX_SEQUENCE_LENGTH}\n"
                 "joined = ','.join(str(i) for i in range(1000))\nrows = sorted(ids, reverse=True)[:3]")
    assert len(result["ids"]) == MAX_SEQUENCE_LENGTH and len(result["text"]) == MAX_SEQUENCE_LENGTH
    assert result["rows"] == [MAX_SEQUENCE_LENGTH - 1, MAX_SEQUENCE_LENGTH - 2, MAX_SEQUENCE_LENGTH - 3]
    assert result["joined"].startswith("0,1,2")


def test_the_shipped_prescript_and_loops_over_task_data_work():
    result = run("staff_responses = []\nfor name in staff_members:\n    staff_responses.append({'by': name})",
                 staff_members=["sonographer1", "radiographer1"])
    assert result["staff_responses"] == [{"by": "sonographer1"}, {"by": "radiographer1"}]
