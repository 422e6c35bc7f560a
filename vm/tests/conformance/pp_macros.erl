-module(pp_macros).
-export([main/0]).
-define(PI, 3.14159).
-define(SQUARE(X), ((X) * (X))).
-define(MAX(A, B), (if A > B -> A; true -> B end)).
-define(STR, "macro string").

main() ->
    R = [?PI, ?SQUARE(4), ?SQUARE(1 + 2), ?MAX(3, 7), ?STR, ?MODULE, is_integer(?LINE), ?MODULE_STRING],
    io:format("~p~n", [R]),
    R.
