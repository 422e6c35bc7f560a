-module(str_find_replace).
-export([main/0]).

main() ->
    R = [string:find("hello world", "o"), string:find("hello world", "o", trailing), string:find("abc", "x"),
         string:replace("a-b-c", "-", "+"), string:replace("a-b-c", "-", "+", all), string:replace("a-b-c", "-", "", trailing),
         string:prefix("prefix_rest", "prefix_"), string:prefix("abc", "x"), string:find(<<"bin data">>, " ")],
    io:format("~p~n", [R]),
    R.
