"""AutoGraph's static half: name analysis, liveness, and the lowering of return/break/continue."""

import ast
import textwrap

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import learnkeras as K
from learnkeras import ops
from learnkeras.tracing import autograph, function
from learnkeras.tracing.autograph import analysis as A
from learnkeras.tracing.autograph import lowering


def parse_fn(src):
    return ast.parse(textwrap.dedent(src)).body[0]


def find(node, kind, n=0):
    return [m for m in ast.walk(node) if isinstance(m, kind)][n]


# --- assigned / loaded --------------------------------------------------------------------------------
def test_assigned_names_cover_every_binding_form():
    fn = parse_fn("""
        def f(a):
            b = 1
            c += 2
            d, (e, g) = 1, (2, 3)
            for h in a: pass
            with open(a) as k: pass
            import numpy as np, os.path
            def inner(z): q = 1
            [w for w in a]
            (m := 5)
            try: pass
            except ValueError as err: pass
        """)
    assert A.assigned(fn.body) == {"b", "c", "d", "e", "g", "h", "k", "np", "os", "inner", "m", "err"}


def test_loaded_skips_comprehension_variables_but_sees_nested_reads():
    stmt = parse_fn("def f():\n    y = [v * s for v in xs] + [lambda: t]").body[0]
    assert A.loaded(stmt) == {"s", "xs", "t"}
    aug = parse_fn("def f():\n    x += 1").body[0]
    assert A.loaded(aug) == {"x"}


# --- liveness ---------------------------------------------------------------------------------------
def test_if_outputs_are_only_names_used_later():
    fn = parse_fn("""
        def f(x):
            if x > 0:
                y = x
                t = 2
            else:
                y = -x
            return y
        """)
    live = A.Liveness(fn)
    if_node = find(fn, ast.If)
    assert live.live_out[id(if_node)] >= {"y"} and "t" not in live.live_out[id(if_node)]
    assert live.branches_in[id(if_node)] == {"x"}


def test_loop_variables_are_live_at_the_head():
    fn = parse_fn("""
        def f(n):
            s = 0
            i = 0
            while i < n:
                tmp = i * 2
                s = s + tmp
                i += 1
            return s
        """)
    live = A.Liveness(fn)
    head = live.head[id(find(fn, ast.While))]
    assert {"i", "n", "s"} <= head and "tmp" not in head  # tmp is set before it is read in each iteration


def test_names_read_by_nested_functions_are_always_live():
    fn = parse_fn("""
        def f(x):
            get = lambda: y
            if x > 0:
                y = 1
            else:
                y = 2
            return get()
        """)
    live = A.Liveness(fn)
    assert "y" in live.live_out[id(find(fn, ast.If))]


def test_definitely_assigned():
    fn = parse_fn("""
        def f(c):
            if c:
                a = 1
                b = 1
            else:
                a = 2
                return 0
            for i in c:
                d = 1
        """)
    defined = A.definitely_assigned_block(fn.body[:1], {"c"})
    assert defined == {"a", "b", "c"}  # the else branch returns, so only the true branch counts
    assert A.definitely_assigned_block(fn.body, {"c"}) == {"a", "b", "c"}  # a loop may run zero times


# --- lowering -----------------------------------------------------------------------------------------
def lowered_returns(src):
    fn = parse_fn(src)
    lowering.lower_returns(fn, lowering.Namer(lowering.names_in(fn)))
    return ast.unparse(fn)


def test_return_in_if_followed_by_code_moves_the_code_into_else():
    out = lowered_returns("""
        def f(x):
            if x:
                return 1
            y = 2
            return y
        """)
    assert out == textwrap.dedent("""\
        def f(x):
            if x:
                retval_ = 1
            else:
                y = 2
                retval_ = y
            return retval_""")


def test_falling_off_the_end_returns_none_and_loops_block_the_rewrite():
    out = lowered_returns("""
        def f(x):
            if x:
                return 1
        """)
    assert "retval_ = None" in out and out.endswith("return retval_")
    untouched = """
        def f(x):
            for v in x:
                if v:
                    return v
            return 0
        """
    assert lowered_returns(untouched) == ast.unparse(parse_fn(untouched))


def lowered_jumps(src):
    fn = parse_fn(src)
    fn.body = lowering.lower_jumps(fn.body, lowering.Namer(lowering.names_in(fn)))
    return fn


def test_break_becomes_a_flag_the_loop_test_checks():
    fn = lowered_jumps("""
        def f(n):
            i = 0
            while i < n:
                if i > 3:
                    break
                i += 1
        """)
    text = ast.unparse(fn)
    assert "break_ = False" in text and "while not break_ and i < n:" in text
    assert "break_ = True" in text and "break" not in text.replace("break_", "")


def test_continue_without_a_guard_when_the_rest_can_move_into_else():
    fn = lowered_jumps("""
        def f(xs):
            for v in xs:
                if v < 0:
                    continue
                print(v)
        """)
    loop = find(fn, ast.For)
    text = ast.unparse(loop)
    assert "continue" not in text.replace("continue_", "") and "continue_" not in text  # no flag needed
    assert loop.ag__convert and loop.ag__extra_test is None


def test_continue_nested_deeper_uses_a_guard():
    fn = lowered_jumps("""
        def f(xs):
            for v in xs:
                if v < 0:
                    if v < -5:
                        continue
                    v = -v
                print(v)
        """)
    text = ast.unparse(find(fn, ast.For))
    assert "continue_ = False" in text and "if not continue_:" in text


def test_loop_with_return_stays_python():
    fn = lowered_jumps("""
        def f(xs):
            for v in xs:
                if v:
                    return v
                if v is None:
                    break
        """)
    loop = find(fn, ast.For)
    assert loop.ag__convert is False
    assert "break" in ast.unparse(loop)  # native break kept


# --- property: converted loops over tensors agree with Python ------------------------------------
def clipped_walk(x, limit):
    total = 0
    count = 0
    for v in x:
        if v < 0:
            continue
        total += v
        count += 1
        if total > limit:
            break
    return total, count


_walk = function(clipped_walk, input_signature=[K.TensorSpec((None,), "int32"), K.TensorSpec((), "int32")])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(-20, 20), max_size=12), st.integers(0, 60))
def test_converted_loop_with_break_and_continue_matches_python(values, limit):
    total, count = _walk(np.array(values, dtype="int32"), np.array(limit, dtype="int32"))
    assert (int(total.numpy()), int(count.numpy())) == clipped_walk(values, limit)
    assert _walk.experimental_get_tracing_count() == 1


def test_undefined_raises_python_error_on_use():
    u = autograph.Undefined("z")
    for use in (lambda: u + 1, lambda: bool(u), lambda: u.shape, lambda: ops.add(u, 1)):
        try:
            use()
        except UnboundLocalError as error:
            assert "'z' is used before it is given a value" in str(error)
        else:
            raise AssertionError("Undefined did not raise")
    assert repr(u) == "<undefined z>"
