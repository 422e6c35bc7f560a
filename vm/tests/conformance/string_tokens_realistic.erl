-module(string_tokens_realistic).
-export([main/0]).

parse_kv(Line) ->
    case string:split(Line, "=") of
        [K, V] -> {string:trim(K), string:trim(V)};
        [K] -> {string:trim(K), true}
    end.
main() ->
    Text = "# config\nname = demo \n  port=8080\nverbose\n\nempty = \n",
    Lines = [L || L <- string:split(Text, "\n", all), string:trim(L) =/= "", hd(string:trim(L)) =/= $#],
    R = [parse_kv(L) || L <- Lines],
    io:format("~p~n", [R]),
    R.
