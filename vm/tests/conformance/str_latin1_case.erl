-module(str_latin1_case).
-export([main/0]).

main() ->
    S = "Ärger über Öl ß ÿ µ çà",
    R = [string:uppercase(S), string:lowercase("ÀÉÎÕÜ"), string:titlecase("ßx"), string:casefold("ÆØÅ"),
         string:equal("straße", "STRASSE", true)],
    io:format("~p~n", [R]),
    R.
