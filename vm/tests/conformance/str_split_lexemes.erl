-module(str_split_lexemes).
-export([main/0]).

main() ->
    R = [string:split("a,b,c", ","), string:split("a,b,c", ",", all), string:split("a,b,c", ",", trailing),
         string:split("abc", "x"), string:lexemes("a  b,c", " ,"), string:lexemes("", " "),
         string:split(<<"k=v=w">>, "="), string:split("a::b::c", "::", all), string:nth_lexeme("a b c", 2, " ")],
    io:format("~p~n", [R]),
    R.
