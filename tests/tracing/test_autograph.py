"""AutoGraph end to end: `learnkeras.function` (autograph on) with tensor-dependent if/while/for.

Expected values come from running the same Python function eagerly (or from
plain arithmetic); graphs are inspected through `get_concrete_function`.
"""

import functools
import warnings

import numpy as np
import pytest

import learnkeras as K
from learnkeras import ops, optimizers
from learnkeras.data import Dataset
from learnkeras.tracing import autograph, function
from learnkeras.tracing.tensor_array import TensorArray


def i32(v):
    return np.array(v, dtype="int32")


def f32(v):
    return np.array(v, dtype="float32")


def op_names(fn, *args):
    return [n.op.name for n in fn.get_concrete_function(*args).graph.nodes]


# --- the seed's examples ---------------------------------------------------------------------------
def halve_if_negative(x):
    if ops.mean(x) > 0:
        return x
    else:
        return x // 2


def test_seed_conditional_return():
    f = function(halve_if_negative)
    np.testing.assert_array_equal(f(i32([-2, -4])).numpy(), [-1, -2])
    np.testing.assert_array_equal(f(i32([2, 4])).numpy(), [2, 4])
    assert f.experimental_get_tracing_count() == 1  # one graph serves both: the `if` is inside it
    assert "cond" in op_names(f, i32([1, 2]))


def test_to_code_shows_the_converted_conditional():
    code = autograph.to_code(halve_if_negative)
    assert "def if_body():" in code and "def else_body():" in code
    assert "ag__.if_stmt(ops.mean(x) > 0, if_body, else_body, (), ('retval_',))" in code
    assert code.rstrip().endswith("return retval_")
    compile(code, "<to_code>", "exec")  # readable, valid Python


def test_automatic_control_dependencies_find_next_odd():
    v = K.Variable(5)

    @function
    def find_next_odd():
        v.assign(v + 1)
        if v % 2 == 0:
            v.assign(v + 1)

    find_next_odd()
    assert int(v.numpy()) == 7
    find_next_odd()
    assert int(v.numpy()) == 9
    assert find_next_odd.experimental_get_tracing_count() == 1


def test_method_with_if_one_cache_per_instance():
    class CustomModel:
        def __init__(self, k):
            self.k = k

        @function
        def call(self, input_data):
            if ops.mean(input_data) > 0:
                return input_data * self.k
            else:
                return input_data // 2

    m1, m2 = CustomModel(3), CustomModel(5)
    np.testing.assert_array_equal(m1.call(i32([-2, -4])).numpy(), [-1, -2])
    np.testing.assert_array_equal(m1.call(i32([1, 2])).numpy(), [3, 6])
    np.testing.assert_array_equal(m2.call(i32([1, 2])).numpy(), [5, 10])
    assert m1.call is not m2.call
    assert m1.call.experimental_get_tracing_count() == 1
    assert m2.call.experimental_get_tracing_count() == 1


# --- while -------------------------------------------------------------------------------------------
def collatz_steps(n):
    steps = 0
    while n != 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


def digit_sum(x):
    total = 0
    while x > 0:
        total += x % 10
        x = x // 10
    return total


@pytest.mark.parametrize("n", [1, 6, 27])
def test_tensor_while_gives_the_eager_answer(n):
    f = function(collatz_steps)
    assert int(f(i32(n)).numpy()) == collatz_steps(n)
    assert int(function(digit_sum)(i32(n * 1234)).numpy()) == digit_sum(n * 1234)


def test_tensor_while_is_one_while_node():
    f = function(collatz_steps)
    graph = f.get_concrete_function(i32(27)).graph
    names = [n.op.name for n in graph.nodes]
    assert names.count("while") == 1
    (node,) = [n for n in graph.nodes if n.op.name == "while"]
    assert "cond" in [n.op.name for n in node.attrs["body_graph"].nodes]  # the `if` lives in the body graph


def test_python_while_unrolls():
    def double_until(x, limit):
        k = 1
        while k < limit:
            x = x * 2.0
            k += 1
        return x

    f = function(double_until)
    np.testing.assert_allclose(f(f32(1.5), 4).numpy(), 12.0)
    names = op_names(f, f32(1.5), 4)
    assert "while" not in names and names.count("multiply") == 3


def test_while_with_break_and_else():
    def first_square_above(n, bound):
        i = 0
        while i < n:
            i += 1
            if i * i > bound:
                break
        else:
            i = -1
        return i

    f = function(first_square_above)
    for n, bound in [(100, 50), (3, 50), (10, 0)]:
        assert int(f(i32(n), i32(bound)).numpy()) == first_square_above(n, bound)
    assert "while" in op_names(f, i32(3), i32(5))


def test_and_or_not_in_conditions():
    def count(n, cap):
        i = 0
        while i < n and not i >= cap:
            i += 1
        return i

    f = function(count)
    assert int(f(i32(10), i32(4)).numpy()) == 4
    assert int(f(i32(3), i32(4)).numpy()) == 3

    def either(x):
        if ops.sum(x) > 100 or ops.min(x) < 0:
            return x * 0
        return x

    g = function(either)
    np.testing.assert_array_equal(g(i32([1, -1])).numpy(), [0, 0])
    np.testing.assert_array_equal(g(i32([1, 2])).numpy(), [1, 2])


def test_and_is_lazy_in_the_graph():
    # The right side must not run when the left is False (here it would index out of range).
    def first_nonpositive(x):
        i = 0
        n = x.shape[0]
        while i < n and ops.take(x, i) > 0:
            i += 1
        return i

    f = function(first_nonpositive, input_signature=[K.TensorSpec((4,), "int32")])
    assert int(f(i32([1, 2, 3, 4])).numpy()) == 4
    assert int(f(i32([1, -2, 3, 4])).numpy()) == 1


# --- for ---------------------------------------------------------------------------------------------
def repeat_affine(x, n):
    for _ in range(n):
        x = x * 2.0 + 1.0
    return x


def test_for_range_tensor_n_is_a_loop_python_n_unrolls():
    f = function(repeat_affine)
    np.testing.assert_allclose(f(f32([1.0, 2.0]), i32(3)).numpy(), [15.0, 23.0])
    np.testing.assert_allclose(f(f32([1.0, 2.0]), 3).numpy(), [15.0, 23.0])
    graph_loop = op_names(f, f32([1.0, 2.0]), i32(3))
    unrolled = op_names(f, f32([1.0, 2.0]), 3)
    assert graph_loop.count("while") == 1 and graph_loop.count("multiply") == 0  # inside the body graph
    assert "while" not in unrolled and unrolled.count("multiply") == 3 and unrolled.count("add") == 3
    # A different Python n is a different trace with a different number of nodes.
    assert len(op_names(f, f32([1.0, 2.0]), 5)) != len(unrolled)


def test_for_range_with_start_and_step():
    def total(a, b):
        s = 0
        for i in range(a, b, 3):
            s += i
        return s

    f = function(total)
    assert int(f(i32(2), i32(20)).numpy()) == sum(range(2, 20, 3))


def test_for_with_continue_and_break():
    def walk(n):
        s = 0
        for i in range(n):
            if i % 3 == 0:
                continue
            s += i
            if s > 10:
                break
        return s

    f = function(walk)
    for n in [0, 4, 5, 10, 30]:
        assert int(f(i32(n)).numpy()) == walk(n)
    code = autograph.to_code(walk)
    assert "break_ = False" in code and "def extra_test(break_, s):" in code


def test_tensor_dependent_break_in_python_loop_is_guarded():
    def capped(x):
        s = 0.0
        for k in [1.0, 2.0, 3.0, 4.0]:
            s += x * k
            if s > 10.0:
                break
        return s

    f = function(capped)
    for x in [0.5, 2.0, 100.0]:
        np.testing.assert_allclose(f(f32(x)).numpy(), capped(x), rtol=1e-6)


def test_for_over_a_symbolic_tensor():
    def weighted_rows(x):
        acc = ops.zeros_like(x[0])
        for row in x:
            acc = acc + row * 2.0
        return acc

    f = function(weighted_rows, input_signature=[K.TensorSpec((None, 3), "float32")])
    x = np.arange(12, dtype="float32").reshape(4, 3)
    np.testing.assert_allclose(f(x).numpy(), (x * 2).sum(axis=0))
    assert op_names(f).count("while") == 1


def test_tensor_array_accumulation():
    def squares(n):
        ta = TensorArray("float32", size=0, dynamic_size=True)
        for i in range(n):
            ta = ta.write(i, ops.cast(i * i, "float32"))
        return ta.stack()

    f = function(squares)
    np.testing.assert_array_equal(f(i32(5)).numpy(), [0, 1, 4, 9, 16])
    np.testing.assert_array_equal(f(i32(2)).numpy(), [0, 1])
    assert f.experimental_get_tracing_count() == 1


# --- Python values keep Python behaviour -----------------------------------------------------------
def test_python_bool_condition_keeps_python_behaviour():
    traced = []

    def maybe_double(x, training):
        if training:
            traced.append("training branch")
            x = x * 2.0
        return x

    f = function(maybe_double)
    np.testing.assert_allclose(f(f32([1.0]), True).numpy(), [2.0])
    np.testing.assert_allclose(f(f32([1.0]), False).numpy(), [1.0])
    assert traced == ["training branch"]  # only the taken branch ran, as plain Python
    assert "cond" not in op_names(f, f32([1.0]), True)
    assert op_names(f, f32([1.0]), False) == []


def test_conditional_expression():
    def sign_abs(x):
        y = x if ops.sum(x) > 0 else -x
        scale = 2.0 if True else 3.0
        return y * scale

    f = function(sign_abs)
    np.testing.assert_allclose(f(f32([-1.0, -2.0])).numpy(), [2.0, 4.0])
    np.testing.assert_allclose(f(f32([1.0, 2.0])).numpy(), [2.0, 4.0])
    assert "ag__.if_exp(" in autograph.to_code(sign_abs)


def test_return_in_if_then_fall_through():
    def relu_sum(x):
        if ops.sum(x) < 0:
            return ops.zeros_like(x)
        y = x + 1.0
        return y

    f = function(relu_sum)
    np.testing.assert_allclose(f(f32([-3.0, 1.0])).numpy(), [0.0, 0.0])
    np.testing.assert_allclose(f(f32([3.0, 1.0])).numpy(), [4.0, 2.0])

    def elif_chain(x):
        if ops.sum(x) < 0:
            return x * 0.0
        elif ops.sum(x) < 10:
            return x * 2.0
        return x

    g = function(elif_chain)
    for v in ([-1.0], [1.0], [20.0]):
        np.testing.assert_allclose(g(f32(v)).numpy(), elif_chain(f32(v)))


# --- errors that name the variable -----------------------------------------------------------------
def test_undefined_in_one_branch_names_the_variable():
    def one_branch(x):
        if ops.sum(x) > 0:
            y = x + 1.0
        return y

    with pytest.raises(ValueError, match="'y' is used after this `if`, but the false branch leaves it undefined"):
        function(one_branch)(f32([1.0]))
    np.testing.assert_allclose(one_branch(f32([1.0])), [2.0])  # eagerly it is fine


def test_variable_used_only_inside_one_branch_is_fine():
    def local_temp(x):
        if ops.sum(x) > 0:
            t = x * 3.0
            x = t + 1.0
        return x

    np.testing.assert_allclose(function(local_temp)(f32([1.0])).numpy(), [4.0])


def test_dtype_mismatch_names_the_variable():
    def mixed(x):
        if ops.sum(x) > 0:
            y = x
        else:
            y = ops.cast(x, "int32")
        return y

    with pytest.raises(TypeError, match="'y' has dtype float32 in the true branch and int32 in the false branch"):
        function(mixed)(f32([1.0]))


def test_python_number_and_tensor_of_different_dtypes():
    def zero_or_x(x):
        if ops.sum(x) > 0:
            y = 0
        else:
            y = x
        return y

    with pytest.raises(TypeError, match="'y' has dtype int32 in the true branch and float32 .*write 0.0 instead of 0"):
        function(zero_or_x)(f32([1.0]))


def test_rank_and_none_mismatch():
    def ranks(x):
        if ops.sum(x) > 0:
            y = x
        else:
            y = ops.sum(x)
        return y

    with pytest.raises(ValueError, match="'y' has rank 1 in the true branch and rank 0"):
        function(ranks)(f32([1.0]))

    def none_branch(x):
        y = None
        if ops.sum(x) > 0:
            y = x
        return y

    with pytest.raises(ValueError, match="'y' is a tensor .* but None in the false branch"):
        function(none_branch)(f32([1.0]))


def test_python_list_in_tensor_loop_suggests_tensor_array():
    def collect(n):
        out = []
        i = 0
        while i < n:
            out.append(i)
            i += 1
        return out

    with pytest.raises(ValueError, match="appends to the Python list 'out'.*TensorArray"):
        function(collect)(i32(3))
    assert function(collect)(3) == [0, 1, 2]  # a Python loop is fine


def test_loop_variable_needs_a_value_before_a_graph_loop():
    def last_double(n):
        for i in range(n):
            last = i * 2
        return last

    with pytest.raises(ValueError, match="'last' has no value before this for loop"):
        function(last_double)(i32(3))
    assert int(function(last_double)(3)) == 4  # a Python loop: a plain Python result


def test_loop_variable_dtype_change_is_named():
    def drift(n):
        s = 0
        i = 0
        while i < n:
            s = s + 0.5
            i += 1
        return s

    with pytest.raises(TypeError, match="Loop variable 's' enters the loop as int32"):
        function(drift)(i32(3))


def test_return_inside_a_tensor_loop_is_refused_clearly():
    def find(x, n):
        i = 0
        while i < n:
            if ops.take(x, i) > 0:
                return i
            i += 1
        return -1

    with pytest.raises(NotImplementedError, match="return"):
        function(find, input_signature=[K.TensorSpec((3,), "int32"), K.TensorSpec((), "int32")])(
            i32([0, 5, 1]), i32(3))
    assert find(np.array([0, 5, 1]), 3) == 1
    # With Python values the same loop keeps its Python meaning.
    assert function(find)([0, 5, 1], 3) == 1


# --- gradients ---------------------------------------------------------------------------------------
def grad_through_if(x):
    with K.GradientTape() as tape:
        tape.watch(x)
        if ops.sum(x) > 0:
            y = ops.sum(x * x)
        else:
            y = ops.sum(x * 3.0)
    return tape.gradient(y, x)


def grad_through_while(x, n):
    with K.GradientTape() as tape:
        tape.watch(x)
        y = x
        i = 1
        while i < n:
            y = y * x
            i += 1
    return tape.gradient(y, x)


@pytest.mark.parametrize("v", [[1.0, 2.0], [-1.0, -2.0]])
def test_gradient_through_converted_if_matches_eager(v):
    eager = grad_through_if(ops.convert_to_tensor(f32(v))).numpy()
    np.testing.assert_allclose(function(grad_through_if)(f32(v)).numpy(), eager)


@pytest.mark.parametrize("n", [1, 2, 4])
def test_gradient_through_converted_while_matches_eager(n):
    eager = grad_through_while(ops.convert_to_tensor(f32(1.5)), n).numpy()
    traced = function(grad_through_while)(f32(1.5), i32(n)).numpy()
    np.testing.assert_allclose(traced, eager, rtol=1e-6)
    np.testing.assert_allclose(traced, n * 1.5 ** (n - 1), rtol=1e-6)


# --- source that cannot be read ----------------------------------------------------------------------
def test_unreadable_source_warns_and_traces_unconverted():
    namespace = {}
    exec(  # noqa: S102 - a function without readable source, on purpose
        "import learnkeras.ops as ops\n"
        "def from_exec(x):\n"
        "    if ops.sum(x) > 0:\n"
        "        return x\n"
        "    return -x\n",
        namespace,
    )
    fn = namespace["from_exec"]
    with pytest.warns(UserWarning, match="could not convert from_exec.*traced as it is"):
        assert autograph.convert(fn) is fn
    f = function(fn)
    with pytest.raises(TypeError, match="as a Python bool"):
        f(f32([1.0]))
    with pytest.raises(ValueError, match="to_code cannot show"):
        autograph.to_code(fn)
    with pytest.warns(UserWarning, match="not a Python function"):
        assert autograph.convert(len) is len
    with pytest.raises(TypeError, match="to_code expects a Python function"):
        autograph.to_code(len)


def test_unconverted_function_with_python_condition_still_runs():
    namespace = {}
    exec("def py_only(x, flag):\n    if flag:\n        return x * 2.0\n    return x\n", namespace)  # noqa: S102
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        f = function(namespace["py_only"])
        np.testing.assert_allclose(f(f32([1.0]), True).numpy(), [2.0])


def test_do_not_convert():
    @autograph.do_not_convert
    def raw(x):
        if ops.sum(x) > 0:
            return x
        return -x

    assert autograph.convert(raw) is raw
    with pytest.raises(TypeError, match="as a Python bool"):
        function(raw)(f32([1.0]))


# --- the in-graph training loop ------------------------------------------------------------------
def _linear_problem():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 2)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0]], "float32") + 0.5).astype("float32")
    return x, y


def _make_training(traced):
    w = K.Variable(np.zeros((2, 1), "float32"), name="w")
    b = K.Variable(np.zeros((1,), "float32"), name="b")
    optimizer = optimizers.Adam(learning_rate=0.1)
    body_runs = {"n": 0}

    def train_one_step(x, y):
        with K.GradientTape() as tape:
            loss = ops.mean(ops.square(ops.matmul(x, w) + b - y))
        grads = tape.gradient(loss, [w, b])
        optimizer.apply_gradients(zip(grads, [w, b]))
        return loss

    def train(dataset):
        step = 0
        loss = 0.0
        for x, y in dataset:
            body_runs["n"] += 1
            step += 1
            loss = train_one_step(x, y)
            if step % 10 == 0:
                K.print("Step", step, ": loss", loss)
        return step, loss

    return (function(train) if traced else train), w, body_runs


def test_in_graph_training_loop_runs_as_one_graph(capsys):
    x, y = _linear_problem()
    dataset = Dataset.from_tensor_slices((x, y)).batch(2)
    train, w, body_runs = _make_training(traced=True)
    step, loss = train(dataset)
    assert int(step.numpy()) == 20
    assert body_runs["n"] == 1  # the Python body ran once, while tracing
    printed = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in printed] == ["Step 10 ", "Step 20 "]  # printed at run time
    step2, loss2 = train(dataset)  # a second call iterates the dataset again
    assert int(step2.numpy()) == 20 and body_runs["n"] == 1
    assert len(capsys.readouterr().out.splitlines()) == 2
    graph = train.get_concrete_function(dataset).graph
    names = [n.op.name for n in graph.nodes]
    assert names.count("while") == 1 and "dataset_iterator_open" in names

    eager_train, eager_w, eager_runs = _make_training(traced=False)
    e_step, e_loss = eager_train(dataset)
    np.testing.assert_allclose(loss.numpy(), e_loss.numpy(), rtol=1e-5)
    e_step2, e_loss2 = eager_train(dataset)
    np.testing.assert_allclose(loss2.numpy(), e_loss2.numpy(), rtol=1e-5)
    np.testing.assert_allclose(w.numpy(), eager_w.numpy(), rtol=1e-5)
    assert eager_runs["n"] == 40


def test_dataset_loop_with_break_and_single_component():
    dataset = Dataset.from_tensor_slices(np.arange(10, dtype="float32")).batch(3)

    def partial_sum(ds, limit):
        total = 0.0
        for batch in ds:
            total += ops.sum(batch)
            if total > limit:
                break
        return total

    f = function(partial_sum)
    for limit in [1.0, 10.0, 100.0]:
        np.testing.assert_allclose(f(dataset, f32(limit)).numpy(), partial_sum(dataset, limit))


def test_dataset_outside_a_trace_is_a_python_loop():
    dataset = Dataset.from_tensor_slices(np.arange(4, dtype="int32")).batch(2)

    def total(ds):
        s = 0
        for batch in ds:
            s += int(ops.sum(batch).numpy())
        return s

    assert autograph.convert(total)(dataset) == 6


# --- conversion details ------------------------------------------------------------------------------
def test_called_user_functions_are_converted():
    def helper(x):
        if ops.sum(x) > 0:
            return x
        return -x

    def outer(x):
        return helper(x) * 2.0

    f = function(outer)
    np.testing.assert_allclose(f(f32([-1.0])).numpy(), [2.0])
    assert "ag__.converted_call(helper, x)" in autograph.to_code(outer)


def test_closures_keep_their_cells():
    def make():
        scale = 2.0

        def scaled(x):
            if ops.sum(x) > 0:
                y = x * scale
            else:
                y = x
            return y

        def set_scale(s):
            nonlocal scale
            scale = s

        return scaled, set_scale

    scaled, set_scale = make()
    converted = autograph.convert(scaled)
    assert converted is not scaled and converted.__name__ == "scaled"
    np.testing.assert_allclose(converted(f32([1.0])), [2.0])
    set_scale(5.0)
    np.testing.assert_allclose(converted(f32([1.0])), [5.0])


def test_nonlocal_and_global_assignments_in_branches():
    def make_counter():
        count = 0

        def bump(x, flag):
            nonlocal count
            if flag:
                count += 1
            return x + count

        return bump

    bump = autograph.convert(make_counter())
    assert bump(1, True) == 2 and bump(1, True) == 3 and bump(1, False) == 3
    assert "nonlocal count" in autograph.to_code(make_counter())


def test_signature_defaults_and_keyword_only():
    def f(x, scale=2.0, *, shift=1.0):
        if ops.sum(x) > 0:
            x = x * scale
        return x + shift

    g = function(f)
    np.testing.assert_allclose(g(f32([1.0])).numpy(), [3.0])
    np.testing.assert_allclose(g(f32([1.0]), 3.0, shift=0.0).numpy(), [3.0])
    converted = autograph.convert(f)
    assert converted.__defaults__ == (2.0,) and converted.__kwdefaults__ == {"shift": 1.0}


def test_methods_super_and_private_names():
    class Base:
        def scale(self, x):
            return x * 2.0

    class Child(Base):
        __offset = 1.0

        def scale(self, x):
            if ops.sum(x) > 0:
                y = super().scale(x) + self.__offset
            else:
                y = x
            return y

    c = Child()
    converted = autograph.convert(c.scale)
    assert converted.__self__ is c
    np.testing.assert_allclose(converted(f32([1.0])), [3.0])
    np.testing.assert_allclose(function(c.scale)(f32([1.0])).numpy(), [3.0])


def test_lambda_partial_and_callable_object():
    f = function(lambda x: x if ops.sum(x) > 0 else -x)
    np.testing.assert_allclose(f(f32([-2.0])).numpy(), [2.0])

    def affine(x, a, b):
        if ops.sum(x) > 0:
            x = x * a
        return x + b

    p = autograph.convert(functools.partial(affine, a=3.0, b=1.0))
    assert isinstance(p, functools.partial)
    np.testing.assert_allclose(function(p)(f32([1.0])).numpy(), [4.0])

    class Doubler:
        def __call__(self, x):
            if ops.sum(x) > 0:
                return x * 2.0
            return x

    np.testing.assert_allclose(function(Doubler())(f32([1.0])).numpy(), [2.0])


def test_nested_function_is_converted():
    def outer(x):
        def inner(y):
            if ops.sum(y) > 0:
                return y
            return -y

        return inner(x) + 1.0

    np.testing.assert_allclose(function(outer)(f32([-2.0])).numpy(), [3.0])


def test_converted_function_is_cached():
    assert autograph.convert(collatz_steps) is autograph.convert(collatz_steps)
    assert autograph.convert(autograph.convert(collatz_steps)) is autograph.convert(collatz_steps)


def test_structure_mismatch_names_the_variable():
    def pair_or_single(x):
        if ops.sum(x) > 0:
            y = (x, x)
        else:
            y = x
        return y

    with pytest.raises(ValueError, match="'y' must have the same structure in both branches"):
        function(pair_or_single)(f32([1.0]))


def test_walrus_global_and_while_true():
    def walrus_loop(n):
        s = 0
        for i in range(n):
            if (k := i * 2) > 4:
                s += k
        return s

    assert int(function(walrus_loop)(i32(5)).numpy()) == walrus_loop(5)

    def doubling_steps(x):
        n = 0
        while True:
            x = x * 2
            n += 1
            if x > 100:
                break
        return n

    f = function(doubling_steps)
    for v in [3, 200, 50]:
        assert int(f(i32(v)).numpy()) == doubling_steps(v)


_calls_seen = 0


def count_positive_calls(x):
    global _calls_seen
    if ops.sum(x) > 0:
        _calls_seen += 1
        y = x
    else:
        y = -x
    return y


def test_global_assigned_in_a_branch():
    before = _calls_seen
    np.testing.assert_allclose(function(count_positive_calls)(f32([-1.0])).numpy(), [1.0])
    assert _calls_seen == before + 1  # a Python side effect: it happened once, while tracing the true branch
    assert "global _calls_seen" in autograph.to_code(count_positive_calls)


def test_conversion_event_is_emitted():
    def fresh(x):
        if ops.sum(x) > 0:
            return x
        return -x

    with K.hooks.record("autograph.*") as events:
        autograph.convert(fresh)
    assert [(e.name, e.payload["converted"]) for e in events] == [("autograph.convert", True)]


def test_enumerate_over_tensor_and_dataset():
    def weighted(x):
        s = 0.0
        for i, row in enumerate(x, 1):
            s += ops.cast(i, "float32") * ops.sum(row)
        return s

    f = function(weighted, input_signature=[K.TensorSpec((None, 2), "float32")])
    x = np.arange(6, dtype="float32").reshape(3, 2)
    np.testing.assert_allclose(f(x).numpy(), 1 * 1 + 2 * 5 + 3 * 9)
    assert op_names(f).count("while") == 1

    dataset = Dataset.from_tensor_slices(np.arange(10, dtype="float32")).batch(4)

    def last_index_and_total(ds):
        last = -1
        total = 0.0
        for i, batch in enumerate(ds):
            last = i
            total += ops.sum(batch)
        return last, total

    g = function(last_index_and_total)
    last, total = g(dataset)
    assert int(last.numpy()) == 2 and float(total.numpy()) == 45.0
    assert "while" in op_names(g, dataset)
    assert last_index_and_total([1.0, 2.0]) == (1, 3.0)  # a Python list: plain enumerate
