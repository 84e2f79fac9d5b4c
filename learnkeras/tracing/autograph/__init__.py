"""AutoGraph: turn a function's Python `if`/`while`/`for` into graph control flow (`tf.autograph`).

Inside a traced function (`learnkeras.function`), Python control flow runs
once, while tracing. That is fine when the condition is a Python value, but
a condition that is a tensor has no value yet: `if ops.mean(x) > 0:` cannot
be decided at trace time. AutoGraph fixes this by rewriting the function's
source before it is traced:

1. read the source (`inspect`) and parse it (`ast`);
2. find, by static analysis, which variables each `if`/loop changes and which
   of them are used afterwards (they become branch outputs / loop variables);
3. rewrite each statement into small functions plus a call to an operator
   (`ag__.if_stmt`, `ag__.while_stmt`, `ag__.for_stmt`);
4. compile the result into a new function with the same name, signature,
   globals and closure.

The operators decide at run time: a Python condition runs as Python (loops
unroll), a tensor condition becomes one `cond`/`while` node.

>>> import learnkeras as keras
>>> from learnkeras import ops
>>> from learnkeras.tracing import autograph
>>> def halve_if_negative(x):
...     if ops.mean(x) > 0:
...         return x
...     else:
...         return x // 2
>>> print(autograph.to_code(halve_if_negative))
def halve_if_negative(x):
<BLANKLINE>
    def if_body():
        retval_ = x
        return retval_
<BLANKLINE>
    def else_body():
        retval_ = x // 2
        return retval_
    retval_ = ag__.if_stmt(ops.mean(x) > 0, if_body, else_body, (), ('retval_',))
    return retval_
>>> f = keras.tracing.function(halve_if_negative)
>>> f(keras.ops.convert_to_tensor([-2, -4])).numpy()
array([-1, -2], dtype=int32)

Public API: `convert(fn)`, `to_code(fn)`, `do_not_convert`.
"""

from learnkeras.tracing.autograph.conversion import convert, do_not_convert, to_code
from learnkeras.tracing.autograph.operators import Undefined

__all__ = ["Undefined", "convert", "do_not_convert", "to_code"]
