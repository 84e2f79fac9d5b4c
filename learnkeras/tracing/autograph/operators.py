"""The run-time half of AutoGraph: the functions converted code calls (`ag__.if_stmt`, `ag__.for_stmt`, ...).

The converter decides nothing about tensors: it cannot know, from the
source, whether `x > 0` will be a Python bool or a tensor. Each operator
decides when it runs (that is, while the function is being traced):

- a Python value or an eager tensor as condition: plain Python. `if` runs one
  branch; loops run in Python, so inside a trace they are *unrolled* (each
  iteration adds its own nodes);
- a symbolic tensor as condition: one graph node. `if_stmt` becomes
  `control_flow.cond` (both branches traced), `while_stmt` and `for_stmt`
  become `control_flow.while_loop` (the body traced once).

A branch or body function takes the current values of the variables it
needs and returns the new values of the variables that matter afterwards
(`names`, found by the converter's static analysis). Those names make the
errors readable: a variable given a value in only one branch, or given
different dtypes, is named in the message.

>>> if_stmt(True, lambda: 1, lambda: 2, (), ("y",))
1
"""

from __future__ import annotations

from learnkeras.tracing.autograph.conditionals import and_, if_exp, if_stmt, not_, or_
from learnkeras.tracing.autograph.loops import enumerate_, for_stmt, range_, while_stmt
from learnkeras.tracing.autograph.values import Undefined, describe, is_dataset, is_symbolic, needs_graph_loop

__all__ = [
    "Undefined",
    "if_stmt",
    "if_exp",
    "while_stmt",
    "for_stmt",
    "and_",
    "or_",
    "not_",
    "range_",
    "enumerate_",
    "converted_call",
    "python_cond",
    "python_iter",
]


# --- calls and guards -------------------------------------------------------------------------------
def converted_call(f, *args, **kwargs):
    """Call `f`, converting it first when it is a user function AutoGraph can convert (once, cached)."""
    from learnkeras.tracing.autograph.conversion import conversion_target

    return conversion_target(f)(*args, **kwargs)


def python_cond(test, reason: str):
    """The condition of an `if`/`while` AutoGraph left as Python: fine unless it is a tensor."""
    if is_symbolic(test):
        raise NotImplementedError(
            f"AutoGraph cannot turn this statement into graph control flow because {reason}, and its condition "
            f"{test!r} is a tensor. Restructure it: assign the result to a variable and return it after the "
            "if/loop, or use a Python condition."
        )
    return test


def python_iter(iterable, reason: str):
    """The iterable of a `for` AutoGraph left as Python: fine unless it needs a graph loop."""
    if needs_graph_loop(iterable):
        raise NotImplementedError(
            f"AutoGraph cannot turn this for loop into a graph loop because {reason}, and it iterates over "
            f"{describe(iterable) if not is_dataset(iterable) else 'a Dataset'} inside a traced function. "
            "Restructure it: set a variable and `break` instead of returning from inside the loop."
        )
    return iterable
