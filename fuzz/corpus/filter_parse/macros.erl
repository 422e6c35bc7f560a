-module(m).
-define(F(X), {X, ?LINE}).
-ifdef(F).
f() -> ?F(1).
-else.
f() -> 0.
-endif.
