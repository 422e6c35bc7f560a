-module(pp_ifdef).
-export([main/0]).
-define(FEATURE, true).
-ifdef(FEATURE).

feature() -> enabled.
-else.
feature() -> disabled.
-endif.
-ifndef(MISSING).
missing() -> not_defined.
-else.
missing() -> defined.
-endif.
-undef(FEATURE).
-ifdef(FEATURE).
after_undef() -> still_defined.
-else.
after_undef() -> undefined_now.
-endif.
main() ->
    R = [feature(), missing(), after_undef()],
    io:format("~p~n", [R]),
    R.
