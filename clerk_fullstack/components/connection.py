"""Whether the browser has lost its socket to the backend, from Reflex's own connection state."""

from __future__ import annotations

from reflex_base.constants import Hooks, Imports
from reflex_base.vars import VarData
from reflex_base.vars.base import Var
from reflex_base.vars.number import BooleanVar

# The same client-side `connectErrors` Reflex's connection toaster reads; two errors in a row
# (as Reflex counts "too many") so a single reconnect does not flash a message.
backend_unreachable: BooleanVar = Var(
    _js_expr="(connectErrors.length >= 2)",
    _var_data=VarData(imports=Imports.CONNECT_ERRORS, hooks={Hooks.CONNECT_ERRORS: None}),
).to(BooleanVar)
